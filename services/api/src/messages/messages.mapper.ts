import type { StoredMessage } from '@parley/protocol';
import type { MessageRow } from '../db/schema.js';

/** The columns a stored message is made of (a history row, or a row of an append function's answer). */
export type StoredMessageRow = Pick<MessageRow, 'message_id' | 'room_id' | 'seq' | 'session_id' | 'user_id' | 'content' | 'client_msg_id' | 'created_at'>;

export function toStoredMessage(row: StoredMessageRow): StoredMessage {
  return {
    message_id: row.message_id,
    room_id: row.room_id,
    seq: Number(row.seq),
    session_id: row.session_id,
    user_id: row.user_id,
    content: row.content,
    client_msg_id: row.client_msg_id,
    created_at: row.created_at.toISOString(),
  };
}
