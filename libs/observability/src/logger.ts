import { isSpanContextValid, trace } from '@opentelemetry/api';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { CREDENTIAL_NAMES, REDACTED } from './redact-url.js';
import { requestSerializers } from './serializers.js';

/** The logger every service uses (pino's). */
export type Logger = pino.Logger;

/** pino's level names, plus `silent`. */
export type LogLevel = pino.LevelWithSilent;

/** Field names whose values are credentials, redacted at the top level and one level down. */
const SECRET_FIELDS = [...CREDENTIAL_NAMES, 'authorization', 'cookie'] as const;

/** Headers that carry credentials, lower-case as Node presents them. */
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'sec-websocket-protocol', 'proxy-authorization', 'x-api-key', 'x-session-id'] as const;

/**
 * Paths pino redacts in every log line (paths are case-sensitive; `*` matches one level).
 * Covers `{ token }`, `{ user: { password } }`, and the headers of `req`, `res`, `request`,
 * `reply` or a bare `headers` object. `Sec-WebSocket-Protocol` is included because it is where a
 * browser can carry a token instead of the query string.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_HEADERS.flatMap((header) => [`headers["${header}"]`, `*.headers["${header}"]`]),
]);

export interface LoggerOptions {
  /** Service name, in every line as `service`. */
  readonly service: string;
  /** Minimum level written (default `info`). */
  readonly level?: LogLevel;
  /** This process's identity, in every line as `instance` (default: the host name). */
  readonly instanceId?: string;
  /** Where lines go (default: stdout, synchronously). Tests pass an in-memory stream. */
  readonly destination?: pino.DestinationStream;
}

/**
 * `trace_id` and `span_id` of the operation being logged, when it is traced (OpenTelemetry):
 * a line inside a traced request leads to its trace. Without a registered SDK there is no active
 * span and this adds nothing.
 */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}

/**
 * Creates the service's root logger: one JSON object per line, `level` as its name, ISO-8601
 * `time`, `service` and `instance` in every line (`trace_id` too inside a traced operation),
 * {@link requestSerializers} for `req`/`res`, the standard `err` serializer, and every
 * {@link REDACT_PATHS} value replaced by `[REDACTED]`.
 *
 * Output never depends on `NODE_ENV`: pretty-printing is for the reader (`| pino-pretty`), not a
 * mode of the service. Pass the result to fastify as `loggerInstance`; request loggers are its
 * children and inherit base fields, serializers and redaction.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { service, level = 'info', instanceId = hostname(), destination } = options;
  const config: pino.LoggerOptions = {
    level,
    base: { service, instance: instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { ...requestSerializers, err: pino.stdSerializers.err },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    mixin: traceFields,
  };
  return destination === undefined ? pino(config) : pino(config, destination);
}
