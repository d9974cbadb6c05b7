import {
  PROTOCOL_VERSION,
  SERVER_MESSAGE_TYPES,
  ServerEnvelopeSchema,
  ServerMessageSchema,
  SystemMessageDataSchema,
  type ClientMessage,
  type ServerMessage,
  type SessionId,
} from '@parley/protocol';

/** Encoding client frames and decoding server frames, with the protocol's schemas. */

type ClientType = ClientMessage['type'];
type ClientData<T extends ClientType> = Extract<ClientMessage, { type: T }>['data'];

/**
 * A client frame in the seed's envelope: `type`, `timestamp` (ms), `session_id` when known (the
 * server ignores it; the connection's session is authoritative), `data`, and
 * `metadata` `{version: "1.0", source: "client"}`.
 */
export function encodeClientFrame<T extends ClientType>(
  type: T,
  data: ClientData<T>,
  sessionId?: SessionId,
): string {
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

const KNOWN_TYPES: ReadonlySet<string> = new Set(SERVER_MESSAGE_TYPES);
const KNOWN_ACTIONS: ReadonlySet<string> = new Set(
  SystemMessageDataSchema.options.map((option) => option.shape.action.value),
);

function issueOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid frame';
  return first.path.length === 0 ? first.message : `${first.path.map(String).join('.')}: ${first.message}`;
}

/**
 * Decodes one server frame. Never throws.
 * - `message`: valid against the protocol's `ServerMessageSchema`;
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
  const envelope = ServerEnvelopeSchema.safeParse(value);
  if (!envelope.success) return { kind: 'invalid', issue: issueOf(envelope.error) };
  const { type, data } = envelope.data;
  if (!KNOWN_TYPES.has(type)) return { kind: 'ignored', type };
  if (type === 'system_message' && typeof data === 'object' && data !== null) {
    const action: unknown = (data as { action?: unknown }).action;
    if (typeof action === 'string' && !KNOWN_ACTIONS.has(action)) return { kind: 'ignored', type, action };
  }
  const message = ServerMessageSchema.safeParse(value);
  if (!message.success) return { kind: 'invalid', issue: issueOf(message.error) };
  return { kind: 'message', message: message.data };
}
