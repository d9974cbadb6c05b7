import type { StoredMessage } from '@parley/protocol';
import type { MessageRow } from '../db/schema.js';

export function toStoredMessage(row: MessageRow): StoredMessage {
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
