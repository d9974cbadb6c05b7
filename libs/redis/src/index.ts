export { closeRedis, createRedis, REDIS_OPTIONS, waitForRedis, type RedisClientOptions } from './client.js';
export { Redis } from 'ioredis';
