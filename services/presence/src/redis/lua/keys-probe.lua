-- Evaluates generated key functions, for the test that TypeScript and Lua agree. ARGV: prefix, id.
return {K_conn(ARGV[2]), K_connRooms(ARGV[2]), K_gone(ARGV[2]), K_expiry(), K_room(ARGV[2]), K_online(),
  K_offlinePending(), K_gateway(ARGV[2]), K_gateways(), K_retired()}
