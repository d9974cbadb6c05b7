-- ARGV: prefix, user_id. 1 if the user's offline is still pending (no connection since): it is settled now.
return redis.call('HDEL', K_offlinePending(), ARGV[2])
