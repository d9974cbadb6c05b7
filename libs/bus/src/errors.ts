/**
 * Errors the bus throws. Every one is an `instanceof`-checkable class with a stable `name`.
 */

/**
 * The error shape a failed request carries (`{error_code, error_message, details?}`), structurally
 * the same as `ErrorData` in `@parley/protocol`, which the bus core does not import.
 */
export interface BusErrorData {
  readonly error_code: string;
  readonly error_message: string;
  readonly details?: Record<string, unknown> | undefined;
}

/** Codes of {@link BusRequestError}. */
export type BusRequestErrorCode =
  /** No reply within `timeoutMs`. The request may or may not have been handled. */
  | 'timeout'
  /** Nobody serves the endpoint's subject right now (NATS answers at once; nothing was handled). */
  | 'no_responders'
  /** The server handled the request and replied `{ok: false}`; see {@link BusRequestError.remote}. */
  | 'remote'
  /** A reply arrived but is not JSON or does not match the endpoint's reply schema. */
  | 'invalid_reply'
  /** The bus is drained or its connection closed/failed before a reply arrived. */
  | 'disconnected';

/** Why {@link Bus.request} did not return reply data. */
export class BusRequestError extends Error {
  override readonly name = 'BusRequestError';

  constructor(
    readonly code: BusRequestErrorCode,
    /** Logical subject of the endpoint (without the bus's subject prefix). */
    readonly subject: string,
    message: string,
    /** The remote error, when `code` is `'remote'`. */
    readonly remote?: BusErrorData,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Throw this from a {@link Bus.serve} handler to reply `{ok: false, error: data}`: the caller's
 * `request()` rejects with a {@link BusRequestError} of code `'remote'` carrying `data`. Any other
 * thrown value is logged and replied as `INTERNAL_ERROR` with a generic message.
 */
export class BusHandlerError extends Error {
  override readonly name = 'BusHandlerError';

  constructor(
    readonly data: BusErrorData,
    options?: ErrorOptions,
  ) {
    super(data.error_message, options);
  }
}

/** One problem found by a schema, as logged and as carried by {@link BusValidationError}. */
export interface BusIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * An outgoing payload (publish, request, gather) failed its topic's or endpoint's schema. Thrown
 * synchronously by `publish`, as a rejection by `request`/`gather`; nothing was sent. This is a
 * bug in the caller, not a transport failure.
 */
export class BusValidationError extends Error {
  override readonly name = 'BusValidationError';

  constructor(
    readonly subject: string,
    readonly issues: readonly BusIssue[],
  ) {
    super(`invalid payload for ${subject}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** A subject, subject token or subject prefix is not allowed (wildcards, dots, whitespace, …). */
export class BusSubjectError extends Error {
  override readonly name = 'BusSubjectError';
}

/** The bus was drained (or its connection closed): it publishes, subscribes and serves no more. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';

  constructor(message = 'bus is closed') {
    super(message);
  }
}
