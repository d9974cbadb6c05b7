import type { z } from 'zod';

import { CLIENT_MESSAGE_TYPES, ClientMessageSchema, type ClientMessage } from './client-messages.js';
import { PROTOCOL_VERSION } from './envelope.js';
import { errorData, type ErrorData } from './errors.js';
import type { SessionId } from './ids.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { ServerMessageData, ServerMessageOf, ServerMessageType } from './server-messages.js';

/**
 * The gateway's edge: turning a raw client frame into a typed message (or an error naming the
 * field), and stamping server frames.
 */

/** Result of {@link parseClientFrame}: the message, or the `data` for an `error` frame. */
export type ParseClientFrameResult = { ok: true; message: ClientMessage } | { ok: false; error: ErrorData };

/** `error_message` of every frame validation error (the seed's wording). */
export const INVALID_MESSAGE_FORMAT = 'Invalid message format';

const invalid = (field: string, issue: string): ParseClientFrameResult => ({
  ok: false,
  error: errorData('VALIDATION_ERROR', INVALID_MESSAGE_FORMAT, { field, issue }),
});

/**
 * True when the JSON text nests objects/arrays deeper than `maxDepth` (`{}` is depth 1).
 * One O(n) pass over the text, skipping string contents and escapes, and it stops at the first
 * level too deep, so it is safe to run on untrusted input before `JSON.parse`. On malformed JSON
 * the answer is approximate; `JSON.parse` rejects such text anyway.
 */
export function exceedsJsonDepth(raw: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/**
 * The `details.field` for a schema issue: the path relative to `data` when the issue is inside
 * `data` (the seed reports `"content"`, not `"data.content"`), the envelope path otherwise,
 * `"$"` for the frame itself.
 */
function fieldOf(path: readonly PropertyKey[]): string {
  const rel = path[0] === 'data' && path.length > 1 ? path.slice(1) : path;
  return rel.length === 0 ? '$' : rel.map(String).join('.');
}

const ALLOWED_TYPES = CLIENT_MESSAGE_TYPES.join(', ');
const KNOWN_TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);

/**
 * Parses one client text frame. Never throws. Order of checks:
 * 1. nesting deeper than `limits.max_json_depth` → field `"$"` (checked before `JSON.parse`);
 * 2. not JSON → field `"$"`;
 * 3. not an object, or `type` missing / not a string / unknown → field `"type"` (the issue lists
 *    the allowed types);
 * 4. schema failure → field = the first failing path (relative to `data`), issue = its message.
 * Every failure is `VALIDATION_ERROR` with `error_message` "Invalid message format"; the
 * connection should stay open. Frame size is not checked here (the WebSocket server's
 * `maxPayload` rejects oversized frames before they are assembled).
 */
export function parseClientFrame(
  raw: string,
  limits: Pick<Limits, 'max_json_depth'> = { max_json_depth: DEFAULT_LIMITS.max_json_depth },
): ParseClientFrameResult {
  try {
    if (exceedsJsonDepth(raw, limits.max_json_depth)) {
      return invalid('$', `JSON nesting exceeds the maximum depth of ${limits.max_json_depth}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return invalid('$', 'Frame is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return invalid('type', 'Frame must be a JSON object with a string "type"');
    }
    const type: unknown = (value as { type?: unknown }).type;
    if (type === undefined) return invalid('type', 'Message type is required');
    if (typeof type !== 'string') return invalid('type', 'Message type must be a string');
    if (!KNOWN_TYPES.has(type)) {
      return invalid('type', `Unknown message type; expected one of: ${ALLOWED_TYPES}`);
    }
    const result = ClientMessageSchema.safeParse(value);
    if (result.success) return { ok: true, message: result.data };
    const first: z.core.$ZodIssue | undefined = result.error.issues[0];
    return invalid(fieldOf(first?.path ?? []), first?.message ?? 'Invalid input');
  } catch {
    // Unreachable in practice (zod reports, it does not throw); a parser must never throw.
    return invalid('$', 'Frame could not be parsed');
  }
}

/**
 * Builds a server frame: stamps `timestamp` (ms, now unless given) and
 * `metadata` `{version: "1.0", source: "server"}`. `sessionId` is the recipient's for frames
 * addressed to one connection, the sender's for room broadcasts. Does not validate: `data` is
 * typed per `type`, and the hot path (one serialization per broadcast) must stay cheap.
 */
export function serverEnvelope<T extends ServerMessageType>(
  type: T,
  sessionId: SessionId,
  data: ServerMessageData<T>,
  timestamp: number = Date.now(),
): ServerMessageOf<T> {
  return {
    type,
    timestamp,
    session_id: sessionId,
    data,
    metadata: { version: PROTOCOL_VERSION, source: 'server' },
  } as ServerMessageOf<T>;
}
