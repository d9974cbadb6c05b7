-- ARGV: prefix, connection_id, tombstone_ms. Idempotent; tombstones even an unknown connection.
close(ARGV[2], ARGV[3])
return out
