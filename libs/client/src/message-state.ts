import type { ChatMessage, DurableEvent, MessageState, MessagesPage, ReactionCount, UserId } from '@parley/protocol';

/**
 * A room's messages in their current state, built from whatever arrives: live frames, catch-up
 * replays and REST history pages, in any mix. Every message remembers the `seq` of the last
 * change it reflects (`state_seq`): an event is applied only if it is newer, and a page replaces
 * a message only if it is newer. Since the server gives each change one `seq` in one order, the
 * state is the same however it was built (the property test in test/message-state.test.ts).
 */

/** A message as the room shows it: a history page's {@link MessageState}, kept current by events. */
export type MessageView = MessageState;

type Entry = { type: 'text_message'; data: ChatMessage } | DurableEvent;

export class MessageStates {
  readonly #byId = new Map<string, MessageView>();

  /** The messages known, ascending by `seq`. */
  list(): MessageView[] {
    return [...this.#byId.values()].sort((a, b) => a.seq - b.seq);
  }

  get(messageId: string): MessageView | undefined {
    return this.#byId.get(messageId);
  }

  /**
   * Applies one entry of the room's log (a `text_message` or a durable event); `self` is the
   * reader, for the `me` of reactions. Returns the message's new state, or undefined when the
   * entry changed nothing (already reflected, or about a message this room never loaded).
   */
  apply(entry: Entry, self: UserId | undefined): MessageView | undefined {
    if (entry.type === 'text_message') {
      const m = entry.data;
      if (this.#byId.has(m.message_id)) return undefined;
      const { edited_at = null, deleted_at = null, ...rest } = m;
      return this.#set({ ...rest, edited_at, deleted_at, reactions: [], state_seq: m.seq });
    }
    const { data } = entry;
    const current = this.#byId.get(data.message_id);
    if (current === undefined || data.seq <= current.state_seq) return undefined;
    const next: MessageView = { ...current, state_seq: data.seq };
    // A tombstone stays one: what the log says about it afterwards only moves its position.
    if (current.deleted_at === null) {
      if (entry.type === 'message_edited') Object.assign(next, { content: entry.data.content, edited_at: entry.data.created_at });
      else if (entry.type === 'message_deleted') Object.assign(next, { content: '', deleted_at: entry.data.created_at, reactions: [] });
      else next.reactions = react(current.reactions, entry.data.emoji, entry.type === 'reaction_added' ? 1 : -1, entry.data.user_id === self);
    }
    return this.#set(next);
  }

  /** Merges a history page: each message it holds replaces the one known unless that one is as new. Returns the messages changed. */
  load(page: MessagesPage): MessageView[] {
    const changed: MessageView[] = [];
    for (const m of page.messages) {
      const current = this.#byId.get(m.message_id);
      if (current === undefined || current.state_seq < m.state_seq) changed.push(this.#set(m));
    }
    return changed;
  }

  #set(view: MessageView): MessageView {
    this.#byId.set(view.message_id, view);
    return view;
  }
}

/**
 * `reactions` with one user's `emoji` added (+1) or removed (-1); an emoji nobody uses any more
 * disappears. Kept in code point order of the emoji, as history pages list them.
 */
function react(reactions: readonly ReactionCount[], emoji: string, delta: 1 | -1, mine: boolean): ReactionCount[] {
  const out = reactions.map((r) => (r.emoji === emoji ? { emoji, count: r.count + delta, me: mine ? delta > 0 : r.me } : r));
  if (delta > 0 && !reactions.some((r) => r.emoji === emoji)) out.push({ emoji, count: 1, me: mine });
  return out.filter((r) => r.count > 0).sort((a, b) => byCodePoint(a.emoji, b.emoji));
}

/** Code point order (UTF-16 order differs above U+FFFF), as Postgres's C collation sorts UTF-8. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
