/**
 * The logging the bus needs, structurally: pino's `logger.warn(obj, msg)` fits as is, so the bus
 * never depends on a logging library. The bus logs dropped (invalid) messages at `warn`, handler
 * failures at `error`, connection status changes at `info`/`warn` and routine events at `debug`.
 * Logged objects never contain payload contents, only subjects, sizes and validation issues.
 */
export interface BusLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => {};

/** A logger that discards everything; the default of the in-memory bus only. */
export const silentLogger: BusLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
