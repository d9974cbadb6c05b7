import { ContentSchema, RoomIdSchema, codePointLength, type Limits } from '@parley/protocol';

import { ParleyError } from './errors.js';

/**
 * Checks done before a request is queued, with the protocol's own schemas, so a request the
 * server would refuse for its shape is rejected at once (same code, field and wording).
 */

/** A VALIDATION_ERROR naming `room_id` when `roomId` is not a room id (a slug). */
export function checkRoomId(roomId: string): ParleyError | undefined {
  const room = RoomIdSchema.safeParse(roomId);
  return room.success ? undefined : ParleyError.validation('room_id', room.error.issues[0]?.message ?? 'invalid');
}

/** A VALIDATION_ERROR naming `since_seq` unless it is absent or a non-negative integer. */
export function checkSinceSeq(sinceSeq: number | undefined): ParleyError | undefined {
  if (sinceSeq === undefined || (Number.isInteger(sinceSeq) && sinceSeq >= 0)) return undefined;
  return ParleyError.validation('since_seq', 'since_seq must be a non-negative integer');
}

/**
 * The content to send (trimmed, as the server stores it), or a VALIDATION_ERROR naming
 * `content`: empty, too long for the protocol or for the deployment's `max_content_chars`
 * (once a welcome said it), NUL or unpaired surrogates.
 */
export function checkContent(
  content: string,
  limits: Pick<Limits, 'max_content_chars'> | undefined,
): string | ParleyError {
  const text = ContentSchema.safeParse(content);
  if (!text.success) return ParleyError.validation('content', text.error.issues[0]?.message ?? 'invalid');
  const max = limits?.max_content_chars;
  if (max !== undefined && codePointLength(text.data) > max) {
    return ParleyError.validation('content', `Message content must be at most ${max} characters`);
  }
  return text.data;
}
