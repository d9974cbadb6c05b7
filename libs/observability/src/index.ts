export { createLogger, REDACT_PATHS } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { redactUrl, REDACTED, SENSITIVE_QUERY_PARAMS } from './redact-url.js';
export { requestSerializers, serializeRequest, serializeResponse } from './serializers.js';
export type { RequestLike, ResponseLike, SerializedRequest } from './serializers.js';
export { createMetrics, METRIC_PREFIX } from './metrics.js';
export type { Metrics, MetricsOptions } from './metrics.js';
export { checkWithTimeout } from './health.js';
export type { CheckFailure, CheckOptions } from './health.js';
