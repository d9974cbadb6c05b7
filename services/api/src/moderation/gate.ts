import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { JudgeFirst, type MessageAppender, type NewEvent, type NewMessage } from '../messages/append.js';
import { claimSlowModeSlot, eventStored, standings, type SenderStanding } from './moderation.repository.js';

interface Pending {
  sender: { room_id: string; user_id: string };
  resolve: (standing: SenderStanding | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Moderation on the api's append path, so it holds whichever gateway or api instance a message
 * comes through: a banned or muted sender is refused (PERMISSION_DENIED, a mute with
 * `details.until`), and in a slow-mode room a sender waits `slow_mode_seconds` between messages
 * (RATE_LIMIT_EXCEEDED with `retry_after_ms`; owners and admins exempt; a retry of a stored
 * message gets its duplicate ack, from the append statement or, for an event, from here). Senders are looked up together: messages that arrive
 * while a look-up runs share the next one, so a busy api pays one query per batch, not per
 * message. Authors without a session (bots, the system: the server API) are not moderated.
 */
export class ModerationGate {
  private queue: Pending[] = [];
  private running = false;

  constructor(private readonly db: Db) {}

  async admit(message: NewMessage): Promise<void> {
    if (message.author.session_id === null) return;
    const standing = await this.standing(message.room_id, message.author.user_id);
    if (standing) await this.judge(message, standing);
  }

  /**
   * Edits and reactions change the room as a message does: refused to a banned or muted user
   * (a muted one may still delete their own messages; a banned one does nothing in the room).
   * Slow mode is for messages only.
   */
  async admitEvent(event: NewEvent): Promise<void> {
    if (event.author.session_id === null) return;
    const standing = await this.standing(event.room_id, event.author.user_id);
    if (!standing) return;
    if (standing.banned) throw new ApiError('PERMISSION_DENIED', 'You are banned from this room', { room_id: event.room_id });
    if (standing.muted_until && event.type !== 'message_deleted') {
      if (event.client_msg_id !== null && (await eventStored(this.db, event.room_id, event.author.user_id, event.client_msg_id))) return;
      const until = standing.muted_until.toISOString();
      throw new ApiError('PERMISSION_DENIED', `You are muted in this room until ${until}`, { room_id: event.room_id, until });
    }
  }

  private standing(room_id: string, user_id: string): Promise<SenderStanding | undefined> {
    return new Promise<SenderStanding | undefined>((resolve, reject) => {
      this.queue.push({ sender: { room_id, user_id }, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 256);
        try {
          const found = await standings(
            this.db,
            batch.map((p) => p.sender),
          );
          batch.forEach((p, i) => p.resolve(found[i]));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** A retry of a stored message never comes here: the append statement answers it as its duplicate first. */
  private async judge({ room_id, author }: NewMessage, standing: SenderStanding): Promise<void> {
    if (standing.banned) throw new ApiError('PERMISSION_DENIED', 'You are banned from this room', { room_id });
    if (standing.muted_until) {
      const until = standing.muted_until.toISOString();
      throw new ApiError('PERMISSION_DENIED', `You are muted in this room until ${until}`, { room_id, until });
    }
    const seconds = standing.slow_mode_seconds;
    if (seconds === 0 || standing.role === 'owner' || standing.role === 'admin') return;
    const waitMs = await claimSlowModeSlot(this.db, room_id, author.user_id, seconds);
    if (waitMs === 0) return;
    throw new ApiError('RATE_LIMIT_EXCEEDED', `Slow mode: one message every ${seconds} s in this room`, { room_id, retry_after_ms: waitMs });
  }
}

/**
 * The appender with the gate on `append` and `appendEvent` (idle and the rest pass through
 * unchanged). A message is judged by the append statement itself and comes to the gate only when
 * its sender needs judging (slow mode, a ban, a mute: {@link JudgeFirst}), so an unmoderated
 * message costs no extra round trip; an event is judged before it is appended.
 */
export function moderated(appender: MessageAppender, gate: ModerationGate): MessageAppender {
  const append = (message: NewMessage) =>
    appender.append(message).catch(async (error: unknown) => {
      if (!(error instanceof JudgeFirst)) throw error;
      await gate.admit(message);
      return appender.append({ ...message, judged: true });
    });
  const appendEvent = (event: NewEvent) => gate.admitEvent(event).then(() => appender.appendEvent(event));
  return new Proxy(appender, {
    get(target, property) {
      if (property === 'append') return append;
      if (property === 'appendEvent') return appendEvent;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
