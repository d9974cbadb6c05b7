import type { ApiErrorCode, ErrorData, ErrorDetails } from '@parley/protocol';

/**
 * Why a `send`, `join`, `leave` or `connect` promise was rejected:
 * - a server error code (`VALIDATION_ERROR`, `RATE_LIMIT_EXCEEDED`, `ROOM_NOT_FOUND`...), from the
 *   `error` frame that answered the request, or from the same check done locally before sending;
 * - `CONNECTION_CLOSED`: the server closed the connection with a terminal code (`closeCode`);
 * - `CLIENT_CLOSED`: `close()` was called;
 * - `TIMEOUT`: no answer within the client's `timeoutMs`. Not a definite failure: a timed-out
 *   send stays in the outbox and may still be stored (once); a timed-out join stays wanted.
 */
export type ParleyErrorCode = ApiErrorCode | 'CONNECTION_CLOSED' | 'CLIENT_CLOSED' | 'TIMEOUT';

/** The error every rejected SDK promise carries. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  /** What went wrong; see {@link ParleyErrorCode}. */
  readonly code: ParleyErrorCode;
  /** The server's (or the local check's) details: `field`, `issue`, `retry_after_ms`, `retryable`. */
  readonly details: ErrorDetails | undefined;
  /** The WebSocket close code, for `CONNECTION_CLOSED` and `CLIENT_CLOSED`. */
  readonly closeCode: number | undefined;

  constructor(code: ParleyErrorCode, message: string, details?: ErrorDetails, closeCode?: number) {
    super(message);
    this.code = code;
    this.details = details;
    this.closeCode = closeCode;
  }

  /** True when sending the same request again unchanged may succeed (`details.retryable`). */
  get retryable(): boolean {
    return this.details?.retryable === true;
  }

  /** The error of a server `error` frame. */
  static fromServer(data: ErrorData): ParleyError {
    return new ParleyError(data.error_code, data.error_message, data.details);
  }

  /** A request refused locally, with the same shape the server would have sent. */
  static validation(field: string, issue: string): ParleyError {
    return new ParleyError('VALIDATION_ERROR', 'Invalid message format', { field, issue, retryable: false });
  }

  /** No answer to `what` within `ms`. */
  static timeout(what: string, ms: number): ParleyError {
    return new ParleyError('TIMEOUT', `${what} timed out after ${ms} ms`, { retryable: true });
  }

  /** The connection ended for good: by `close()` (`CLIENT_CLOSED`) or a terminal close code. */
  static closed(byClient: boolean, code: number, reason: string): ParleyError {
    return byClient
      ? new ParleyError('CLIENT_CLOSED', 'Client closed', undefined, code)
      : new ParleyError('CONNECTION_CLOSED', `Connection closed: ${code} ${reason}`.trim(), undefined, code);
  }
}
