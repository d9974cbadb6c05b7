import type { ClientMessage, ServerMessage, SessionId } from '@parley/protocol';

import { PROTOCOL_VERSION, SERVER_DATA, SERVER_ENVELOPE, SYSTEM_DATA } from './generated/protocol-schemas.js';
import { checkSchema } from './schema-check.js';

/** Encoding client frames and decoding server frames, with the protocol's schemas. */

type ClientType = ClientMessage['type'];
type ClientData<T extends ClientType> = Extract<ClientMessage, { type: T }>['data'];

/**
 * A client frame in the seed's envelope: `type`, `timestamp` (ms), `session_id` when known (the
 * server ignores it; the connection's session is authoritative), `data`, and
 * `metadata` `{version: "1.0", source: "client"}`.
 */
export function encodeClientFrame<T extends ClientType>(type: T, data: ClientData<T>, sessionId?: SessionId): string {
  return JSON.stringify({
    type,
    timestamp: Date.now(),
    ...(sessionId === undefined ? {} : { session_id: sessionId }),
    data,
    metadata: { version: PROTOCOL_VERSION, source: 'client' },
  });
}

/** What a server frame turned out to be. */
export type DecodedFrame =
  | { readonly kind: 'message'; readonly message: ServerMessage }
  | { readonly kind: 'ignored'; readonly type: string; readonly action?: string }
  | { readonly kind: 'invalid'; readonly issue: string };

/**
 * Decodes one server frame. Never throws.
 * - `message`: valid against the protocol's `ServerMessageSchema` (checked with its generated JSON
 *   Schema, see schema-check.ts: the same answers as zod without zod in the bundle);
 * - `ignored`: a well-formed envelope whose `type` (or `system_message` `action`) this SDK does
 *   not know: new types and actions are additive, so they are skipped, not errors;
 * - `invalid`: not text, not JSON, not an envelope, or a known type whose data fails its schema.
 */
export function decodeServerFrame(raw: unknown): DecodedFrame {
  if (typeof raw !== 'string') return { kind: 'invalid', issue: 'binary frame (expected JSON text)' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', issue: 'frame is not valid JSON' };
  }
  const envelopeIssue = checkSchema(SERVER_ENVELOPE, value);
  if (envelopeIssue !== undefined) return { kind: 'invalid', issue: envelopeIssue };
  const { type, data } = value as { type: string; data: unknown };
  let schema = Object.hasOwn(SERVER_DATA, type) ? SERVER_DATA[type] : undefined;
  if (type === 'system_message') {
    const action: unknown = typeof data === 'object' && data !== null ? (data as { action?: unknown }).action : undefined;
    if (typeof action !== 'string') return { kind: 'invalid', issue: 'data.action: required' };
    schema = Object.hasOwn(SYSTEM_DATA, action) ? SYSTEM_DATA[action] : undefined;
    if (schema === undefined) return { kind: 'ignored', type, action };
  }
  if (schema === undefined) return { kind: 'ignored', type };
  const issue = checkSchema(schema, data, 'data');
  if (issue !== undefined) return { kind: 'invalid', issue };
  return { kind: 'message', message: value as ServerMessage };
}
