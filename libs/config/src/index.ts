export { ConfigError, loadConfig } from './load-config.js';
export type { ConfigIssue, DeepReadonly, Env, LoadConfigOptions } from './load-config.js';
export { envBool, envDurationMs, envInt, envList, envUrl } from './env.js';
export type { NumberBounds, UrlOptions } from './env.js';
export { isSecretKey, redactConfig } from './secret.js';
export { authFields, LOG_LEVELS, redisFields, requireVerifierWhenAuthRequired, serviceFields, trustedProxiesField } from './service.js';
export { corsOrigins, originFields } from './origins.js';
