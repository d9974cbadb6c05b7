import * as z from 'zod';

/**
 * Error codes and the one error shape used everywhere: the `data` of a WebSocket `error`
 * envelope, the JSON body of every HTTP error response, and the `error` of a failed bus reply.
 */

/** The six error codes the seed contract defines. A client written against the seed knows these. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'AUTHENTICATION_ERROR',
  'RATE_LIMIT_EXCEEDED',
  'ROOM_NOT_FOUND',
  'PERMISSION_DENIED',
  'INTERNAL_ERROR',
] as const;

/** One of the six seed error codes. */
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/**
 * Every error code any Parley endpoint may return: the six seed codes plus codes added for
 * REST and the bus (additive; the seed's six keep their meaning). WebSocket `error` frames use
 * the six seed codes only, so a seed-only client never meets an unknown code on the socket.
 */
export const API_ERROR_CODES = [...ERROR_CODES, 'SESSION_NOT_FOUND', 'NOT_FOUND', 'CONFLICT', 'SERVICE_UNAVAILABLE'] as const;

/** Any Parley error code (seed codes included). */
export const ApiErrorCodeSchema = z.enum(API_ERROR_CODES);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

/**
 * Machine-readable details of an error. Unknown keys are kept (additive).
 * - `field`: the offending field; for a WS frame, relative to `data` (`"content"`, not
 *   `"data.content"`); `"$"` means the frame as a whole; `"type"` the envelope's type.
 * - `issue`: a human-readable description of what is wrong with `field`.
 * - `retry_after_ms`: with `RATE_LIMIT_EXCEEDED` (or a retryable failure), how long to wait.
 * - `retryable`: true when the same request may succeed if sent again unchanged.
 */
export const ErrorDetailsSchema = z.looseObject({
  field: z.string().optional(),
  issue: z.string().optional(),
  retry_after_ms: z.int().nonnegative().optional(),
  retryable: z.boolean().optional(),
  /** On the WebSocket: the `client_msg_id` of the `text_message` this error answers. */
  client_msg_id: z.string().optional(),
  /** On the WebSocket: the room of the `text_message`, `join_room` or `leave_room` this error answers. */
  room_id: z.string().optional(),
  /** With PERMISSION_DENIED for a muted sender: when the mute ends (ISO-8601). */
  until: z.string().optional(),
});
export type ErrorDetails = z.infer<typeof ErrorDetailsSchema>;

/**
 * The error shape: `{error_code, error_message, details?}` exactly as in the seed's
 * "Error Response Format". `error_message` is safe to show a user; for 5xx/INTERNAL_ERROR it is
 * generic and never carries internals.
 */
export const ErrorDataSchema = z.object({
  error_code: ApiErrorCodeSchema,
  error_message: z.string(),
  details: ErrorDetailsSchema.optional(),
});
export type ErrorData = z.infer<typeof ErrorDataSchema>;

/** The JSON body of every HTTP error response (the same shape as a WS error's `data`). */
export const HttpErrorBodySchema = ErrorDataSchema;
export type HttpErrorBody = z.infer<typeof HttpErrorBodySchema>;

/** The HTTP status that goes with each error code. */
export const HTTP_STATUS_FOR_ERROR: Readonly<Record<ApiErrorCode, number>> = Object.freeze({
  VALIDATION_ERROR: 400,
  AUTHENTICATION_ERROR: 401,
  PERMISSION_DENIED: 403,
  ROOM_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
});

/** Builds an {@link ErrorData}, omitting `details` when none are given. */
export function errorData(code: ApiErrorCode, message: string, details?: ErrorDetails): ErrorData {
  return details === undefined ? { error_code: code, error_message: message } : { error_code: code, error_message: message, details };
}
