import { BusRequestError } from '@parley/bus';
import { CLOSE_CODES, ERROR_CODES, errorData, type ErrorCode, type ErrorData, type ErrorDetails } from '@parley/protocol';
import type { Connection } from './connection.js';

const SEED_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/**
 * The seed code a socket gets for an API code beyond the seed's six: a session that is gone is
 * an authentication failure; a message that is not in the room (an edit, delete or reaction of
 * it) is a VALIDATION_ERROR naming `message_id`.
 */
const SOCKET_CODE: Partial<Record<string, ErrorCode>> = { SESSION_NOT_FOUND: 'AUTHENTICATION_ERROR', NOT_FOUND: 'VALIDATION_ERROR' };

/**
 * The `error` frame for a failed bus request to the API. Expected refusals keep their seed code
 * (ROOM_NOT_FOUND, PERMISSION_DENIED, VALIDATION_ERROR, AUTHENTICATION_ERROR; see SOCKET_CODE for the others); everything else
 * (timeout, no API instance, a store failure) is a retryable INTERNAL_ERROR that never says more
 * than `what` is unavailable. Socket error frames use the six seed codes only.
 */
export function busFailure(err: unknown, what: string): ErrorData {
  if (err instanceof BusRequestError && err.code === 'remote' && err.remote) {
    const code = SOCKET_CODE[err.remote.error_code] ?? err.remote.error_code;
    if (SEED_CODES.has(code) && code !== 'INTERNAL_ERROR') {
      const { field, issue, retry_after_ms, until } = err.remote.details ?? {};
      const details: ErrorDetails = {};
      if (typeof field === 'string') details.field = field;
      if (typeof issue === 'string') details.issue = issue;
      // A mute's end and a slow mode's wait, decided by the api for every gateway.
      if (typeof retry_after_ms === 'number') details.retry_after_ms = retry_after_ms;
      if (typeof until === 'string') details['until'] = until;
      return errorData(code as ErrorCode, err.remote.error_message, Object.keys(details).length > 0 ? details : undefined);
    }
  }
  return errorData('INTERNAL_ERROR', `${what} is unavailable; try again`, { retryable: true });
}

/** Adds details (e.g. the `client_msg_id` and `room_id` a failure is about) to an error. */
export function withDetails(error: ErrorData, details: ErrorDetails): ErrorData {
  return { ...error, details: { ...error.details, ...details } };
}

/**
 * Sends `error`; an AUTHENTICATION_ERROR means the session is gone (closed over REST, expired),
 * so the connection is closed with 4401 after it.
 */
export function reportFailure(conn: Connection, error: ErrorData): void {
  if (!conn.isOpen()) return;
  conn.sendError(error);
  if (error.error_code === 'AUTHENTICATION_ERROR') conn.closeWith(CLOSE_CODES.AUTHENTICATION_FAILED);
}
