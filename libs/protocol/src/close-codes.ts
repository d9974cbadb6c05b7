/**
 * WebSocket close codes the gateway uses, with a default reason for each and whether a client
 * should reconnect. The client SDK decides to reconnect from the code alone (STYLE "Errors").
 * Reasons are ASCII and at most 123 bytes (RFC 6455 §5.5: control frame payload ≤ 125 bytes,
 * two of which are the code).
 */

/** One entry of {@link CLOSE_CODES}. */
export interface CloseCodeInfo {
  /** The numeric close code sent in the close frame. */
  readonly code: number;
  /** Stable snake_case name, for logs and metrics labels. */
  readonly name: string;
  /** Default close reason (≤ 123 bytes). */
  readonly reason: string;
  /** Whether a client should reconnect (always with jittered exponential backoff). */
  readonly reconnect: boolean;
}

/**
 * The close-code table. `reconnect: false` codes are terminal: reconnecting would fail the same
 * way (bad credentials, a forbidden origin, a client sending frames it should not).
 */
export const CLOSE_CODES = Object.freeze({
  NORMAL: { code: 1000, name: 'normal', reason: 'normal closure', reconnect: false },
  GOING_AWAY: { code: 1001, name: 'going_away', reason: 'server going away', reconnect: true },
  INVALID_PAYLOAD: {
    code: 1007,
    name: 'invalid_payload',
    reason: 'invalid frame payload (not valid UTF-8)',
    reconnect: false,
  },
  POLICY_VIOLATION: {
    code: 1008,
    name: 'policy_violation',
    reason: 'policy violation',
    reconnect: false,
  },
  MESSAGE_TOO_BIG: {
    code: 1009,
    name: 'message_too_big',
    reason: 'frame exceeds max_frame_bytes',
    reconnect: false,
  },
  INTERNAL_ERROR: { code: 1011, name: 'internal_error', reason: 'internal server error', reconnect: true },
  SERVICE_RESTART: {
    code: 1012,
    name: 'service_restart',
    reason: 'server restarting, reconnect',
    reconnect: true,
  },
  TRY_AGAIN_LATER: {
    code: 1013,
    name: 'try_again_later',
    reason: 'server overloaded or client too slow, try again later',
    reconnect: true,
  },
  AUTHENTICATION_FAILED: {
    code: 4401,
    name: 'authentication_failed',
    reason: 'authentication failed',
    reconnect: false,
  },
  FORBIDDEN: { code: 4403, name: 'forbidden', reason: 'forbidden', reconnect: false },
  HEARTBEAT_TIMEOUT: { code: 4408, name: 'heartbeat_timeout', reason: 'heartbeat timeout', reconnect: true },
  RATE_LIMIT_ABUSE: {
    code: 4429,
    name: 'rate_limit_abuse',
    reason: 'rate limit exceeded repeatedly, back off before reconnecting',
    reconnect: true,
  },
} as const satisfies Record<string, CloseCodeInfo>);

/** The key of a close code in {@link CLOSE_CODES}, e.g. `'AUTHENTICATION_FAILED'`. */
export type CloseCodeKey = keyof typeof CLOSE_CODES;
/** A close code the gateway may send, e.g. `4401`. */
export type CloseCode = (typeof CLOSE_CODES)[CloseCodeKey]['code'];

const BY_CODE: ReadonlyMap<number, CloseCodeInfo> = new Map(Object.values(CLOSE_CODES).map((info) => [info.code, info]));

/** The table entry for `code`, or `undefined` for a code not in the table. */
export function closeCodeInfo(code: number): CloseCodeInfo | undefined {
  return BY_CODE.get(code);
}

/**
 * Whether a client should reconnect after a close with `code`. Codes in the table answer with
 * their `reconnect` flag. Any other code (1006 abnormal closure from a dropped network, codes a
 * newer server adds) answers `true`: reconnecting with backoff is the safe default for a chat
 * client, and terminal conditions are always sent with a code from the table.
 */
export function shouldReconnect(code: number): boolean {
  return BY_CODE.get(code)?.reconnect ?? true;
}
