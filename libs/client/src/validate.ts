import { codePointLength, hasLoneSurrogate, hasNul, type Limits } from '@parley/protocol';

import { ParleyError } from './errors.js';
import { ROOM_ID } from './generated/protocol-schemas.js';
import { checkSchema } from './schema-check.js';

/**
 * Checks done before a request is queued, so a request the server would refuse for its shape is
 * rejected at once (same code and field). The room id is checked with the protocol's generated
 * schema and the content with the protocol's own text helpers: the SDK bundle carries no zod.
 */

/** A VALIDATION_ERROR naming `room_id` when `roomId` is not a room id (a slug). */
export function checkRoomId(roomId: string): ParleyError | undefined {
  const issue = checkSchema(ROOM_ID, roomId);
  return issue === undefined ? undefined : ParleyError.validation('room_id', `Room id must match ${ROOM_ID.pattern ?? 'a slug'}`);
}

/** A VALIDATION_ERROR naming `since_seq` unless it is absent or a non-negative integer. */
export function checkSinceSeq(sinceSeq: number | undefined): ParleyError | undefined {
  if (sinceSeq === undefined || (Number.isInteger(sinceSeq) && sinceSeq >= 0)) return undefined;
  return ParleyError.validation('since_seq', 'since_seq must be a non-negative integer');
}

/**
 * The content to send, unchanged, or a VALIDATION_ERROR naming `content`: not a string, blank
 * (empty or whitespace only), longer than the deployment's `max_content_chars` (once a welcome
 * said it; the server has the last word before that), NUL or unpaired surrogates. The content
 * is never rewritten: the server decides how it is stored.
 */
export function checkContent(content: string, limits: Pick<Limits, 'max_content_chars'> | undefined): string | ParleyError {
  if (typeof content !== 'string') return ParleyError.validation('content', 'Message content must be a string');
  if (content.trim() === '') return ParleyError.validation('content', 'Message content cannot be empty');
  const max = limits?.max_content_chars;
  if (max !== undefined && codePointLength(content) > max) {
    return ParleyError.validation('content', `Message content must be at most ${max} characters`);
  }
  if (hasNul(content)) return ParleyError.validation('content', 'Message content must not contain NUL characters');
  if (hasLoneSurrogate(content)) return ParleyError.validation('content', 'Message content must be well-formed Unicode');
  return content;
}
