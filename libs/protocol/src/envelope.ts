import * as z from 'zod';

import { SessionIdSchema, TimestampMsSchema } from './ids.js';

/**
 * The seed's WebSocket envelope: `{type, timestamp, session_id, data, metadata}`. Each message
 * schema is declared once through {@link serverEnvelopeSchema} or {@link clientEnvelopeSchema}.
 *
 * Objects strip unknown keys rather than rejecting them, so fields added later (additive protocol
 * changes) never break an older reader.
 */

/** The envelope version every Parley server frame carries. */
export const PROTOCOL_VERSION = '1.0';

/** `metadata` of a server frame: always `{version: "1.0", source: "server"}`. */
export const ServerMetadataSchema = z.object({
  version: z.literal(PROTOCOL_VERSION),
  source: z.literal('server'),
});
export type ServerMetadata = z.infer<typeof ServerMetadataSchema>;

/**
 * `metadata` of a client frame, when the client sends one: `source` must be `"client"`; any short
 * `version` string is accepted (the server answers in 1.0 regardless).
 */
export const ClientMetadataSchema = z.object({
  version: z.string().min(1).max(16),
  source: z.literal('client'),
});
export type ClientMetadata = z.infer<typeof ClientMetadataSchema>;

/**
 * Declares a server → client frame. Strict in the sense that every envelope field is required:
 * `timestamp` (ms since epoch, when the server built the frame), `session_id` (always the
 * recipient's own: a session id resumes a session, so no frame carries another's), `data`, and
 * `metadata` `{version: "1.0", source: "server"}`.
 */
export function serverEnvelopeSchema<const T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({
    type: z.literal(type),
    timestamp: TimestampMsSchema,
    session_id: SessionIdSchema,
    data,
    metadata: ServerMetadataSchema,
  });
}

/**
 * Declares a client → server frame. Lenient, because the seed's own client examples send
 * `{type, data}` and `{type, timestamp}` only: `timestamp`, `session_id` and `metadata` are
 * optional and validated only when present. The server never trusts a client's `session_id`
 * (the connection's session is authoritative) nor its `timestamp`.
 * Pass `data.optional()` for a type whose `data` may be omitted.
 */
export function clientEnvelopeSchema<const T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({
    type: z.literal(type),
    timestamp: TimestampMsSchema.optional(),
    session_id: SessionIdSchema.optional(),
    data,
    metadata: ClientMetadataSchema.optional(),
  });
}

/**
 * Any well-formed server frame, whatever its type, with `data` unchecked. A client validates a
 * frame against this first and ignores types it does not know (new types are additive).
 */
export const ServerEnvelopeSchema = z.object({
  type: z.string().min(1),
  timestamp: TimestampMsSchema,
  session_id: SessionIdSchema,
  data: z.unknown(),
  metadata: ServerMetadataSchema,
});
export type ServerEnvelope = z.infer<typeof ServerEnvelopeSchema>;
