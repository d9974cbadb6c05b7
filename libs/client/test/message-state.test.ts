import type { ChatMessage, DurableEvent, MessageState, MessagesPage } from '@parley/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MessageStates } from '../src/message-state.js';
import { RoomTracker } from '../src/rooms.js';

/**
 * The room state the SDK keeps (its RoomTracker and MessageStates) is the same however it was built: live frames with losses and
 * duplicates, reconnects that catch up from `since_seq`, history pages loaded at any moment, or
 * the whole log replayed at the end. The server side is a model of the api's rules written
 * independently of the SDK (reactions ordered by UTF-8 bytes, as Postgres's C collation does).
 */

type Entry = { type: 'text_message'; data: ChatMessage } | DurableEvent;
const ROOM = 'room';
const SELF = 'me';
const USERS = [SELF, 'ann', 'bob'] as const;
const ADMIN = 'bob';
// 'ｱ' (U+FF71) sorts after '👍' by UTF-16 code units but before it by code point.
const EMOJI = ['👍', '🎉', ':ok:', 'ｱ', '❤️'] as const;

interface ModelMessage {
  message_id: string;
  seq: number;
  user_id: string;
  content: string;
  edited_at: string | null;
  deleted_at: string | null;
  state_seq: number;
  reactions: Set<string>; // `${user}\u0000${emoji}`
}

/** The api, as a model: the log, the current state, and what pages and catch-ups return. */
class Server {
  seq = 0;
  readonly messages: ModelMessage[] = [];
  readonly log: { seq: number; render: () => Entry }[] = [];

  #at = (seq: number) => new Date(1_700_000_000_000 + seq * 1_000).toISOString();
  #id = (seq: number) => `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;

  post(user: string): Entry {
    const seq = ++this.seq;
    const m: ModelMessage = {
      message_id: this.#id(seq),
      seq,
      user_id: user,
      content: `m${seq}`,
      edited_at: null,
      deleted_at: null,
      state_seq: seq,
      reactions: new Set(),
    };
    this.messages.push(m);
    // The log shows a message as it is now (edited content, or a tombstone), as the api's does.
    const render = (): Entry => ({
      type: 'text_message',
      data: {
        message_id: m.message_id,
        room_id: ROOM,
        seq,
        user_id: user,
        content: m.content,
        client_msg_id: null,
        created_at: this.#at(seq),
        timestamp: Date.parse(this.#at(seq)),
        edited_at: m.edited_at,
        deleted_at: m.deleted_at,
      },
    });
    this.log.push({ seq, render });
    // Live, a message goes out as posted.
    return { type: 'text_message', data: { ...(render().data as ChatMessage), edited_at: undefined, deleted_at: undefined } };
  }

  /** An edit, delete or reaction if the api would accept it; undefined when it refuses. */
  change(kind: 'edit' | 'delete' | 'react' | 'unreact', pick: number, user: string, emoji: string): Entry | undefined {
    const m = this.messages[pick % Math.max(1, this.messages.length)];
    if (m === undefined || m.deleted_at !== null) return undefined;
    const key = `${user}\u0000${emoji}`;
    if (kind === 'edit' && m.user_id !== user) return undefined;
    if (kind === 'delete' && m.user_id !== user && user !== ADMIN) return undefined;
    if (kind === 'react' && m.reactions.has(key)) return undefined;
    if (kind === 'unreact' && !m.reactions.has(key)) return undefined;
    const seq = ++this.seq;
    const created_at = this.#at(seq);
    const base = {
      event_id: this.#id(seq),
      room_id: ROOM,
      seq,
      message_id: m.message_id,
      user_id: user,
      client_msg_id: null,
      created_at,
      timestamp: Date.parse(created_at),
    };
    m.state_seq = seq;
    let render: () => Entry;
    if (kind === 'edit') {
      const content = `m${m.seq} edit ${seq}`;
      Object.assign(m, { content, edited_at: created_at });
      // A delete erases the content of the message's edits in the log.
      render = () => ({ type: 'message_edited', data: { ...base, content: m.deleted_at === null ? content : '' } });
    } else if (kind === 'delete') {
      Object.assign(m, { content: '', deleted_at: created_at });
      m.reactions.clear();
      render = () => ({ type: 'message_deleted', data: base });
    } else {
      if (kind === 'react') m.reactions.add(key);
      else m.reactions.delete(key);
      render = () => ({ type: kind === 'react' ? 'reaction_added' : 'reaction_removed', data: { ...base, emoji } });
    }
    this.log.push({ seq, render });
    return render();
  }

  /** `GET /messages/` for `reader`: every message's current state. */
  page(reader: string): MessagesPage {
    const messages = this.messages.map((m): MessageState => {
      const counts = new Map<string, { count: number; me: boolean }>();
      for (const key of m.reactions) {
        const [user, emoji] = key.split('\u0000') as [string, string];
        const c = counts.get(emoji) ?? { count: 0, me: false };
        counts.set(emoji, { count: c.count + 1, me: c.me || user === reader });
      }
      const reactions = [...counts]
        .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map(([emoji, c]) => ({ emoji, count: c.count, me: c.me }));
      const created_at = this.#at(m.seq);
      return {
        message_id: m.message_id,
        room_id: ROOM,
        seq: m.seq,
        user_id: m.user_id,
        content: m.content,
        client_msg_id: null,
        created_at,
        timestamp: Date.parse(created_at),
        edited_at: m.edited_at,
        deleted_at: m.deleted_at,
        reactions,
        state_seq: m.state_seq,
      };
    });
    return { messages, has_more: false, next_before_seq: null };
  }

  /** The log after `since` (a catch-up), rendered now. */
  after(since: number): Entry[] {
    return this.log.filter((e) => e.seq > since).map((e) => e.render());
  }
}

/**
 * A client, with the SDK's own parts: its RoomTracker decides what is delivered (exactly once, in
 * order; a gap asks for a rejoin from the last seq), its MessageStates keeps the messages.
 */
class Reader {
  readonly states = new MessageStates();
  readonly tracker = new RoomTracker();
  online = true;

  constructor(private readonly server: Server) {
    this.tracker.track(ROOM, 0);
  }

  get last(): number {
    return this.tracker.lastSeq(ROOM) ?? 0;
  }

  /** A frame from the gateway, live or replayed. A gap's rejoin is answered by a replay of the log from the last seq. */
  receive(entry: Entry): void {
    if (!this.online) return;
    const verdict = this.tracker.accept(entry.data);
    if (verdict.action === 'deliver') this.states.apply(entry, SELF);
    if (verdict.action === 'gap' && verdict.rejoin !== undefined) this.replay(verdict.rejoin.since_seq ?? 0);
  }

  /** A reconnect: the tracker's rejoin, answered by the log after its since_seq. */
  reconnect(): void {
    this.online = true;
    for (const join of this.tracker.rejoinAll([])) this.replay(join.since_seq ?? 0);
  }

  replay(since: number): void {
    this.tracker.joined(ROOM, this.server.seq);
    for (const entry of this.server.after(since)) this.receive(entry);
  }
}

const op = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('post' as const), user: fc.constantFrom(...USERS) }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom('edit' as const, 'delete' as const, 'react' as const, 'unreact' as const),
      pick: fc.nat(),
      user: fc.constantFrom(...USERS),
      emoji: fc.constantFrom(...EMOJI),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({ kind: fc.constantFrom('lose' as const, 'disconnect' as const, 'reconnect' as const, 'page' as const, 'replay' as const) }),
    weight: 3,
  },
);

const view = (states: MessageStates) => states.list();

describe('MessageStates', () => {
  it('arrives at the history page’s state whether built live (with losses, reconnects, catch-ups, duplicates and pages in between), from the page, or from the log', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.boolean(), (ops, startFromPage) => {
        const server = new Server();
        const reader = new Reader(server);
        if (startFromPage) reader.states.load(server.page(SELF));
        let lose = false;
        for (const o of ops) {
          if (o.kind === 'lose') lose = true;
          else if (o.kind === 'disconnect') reader.online = false;
          else if (o.kind === 'reconnect') reader.reconnect();
          else if (o.kind === 'page') reader.states.load(server.page(SELF));
          else if (o.kind === 'replay') {
            // A replay overlapping what was delivered: straight into the states, past the position check.
            for (const entry of server.after(Math.max(0, reader.last - 3))) reader.states.apply(entry, SELF);
          } else if (o.kind === 'post' || 'pick' in o) {
            const entry = o.kind === 'post' ? server.post(o.user) : server.change(o.kind, o.pick, o.user, o.emoji);
            if (entry === undefined) continue;
            if (lose) lose = false;
            else reader.receive(entry);
          }
        }
        reader.reconnect();

        const page = server.page(SELF).messages;
        expect(view(reader.states)).toEqual(page);
        const fromPage = new MessageStates();
        fromPage.load(server.page(SELF));
        expect(view(fromPage)).toEqual(page);
        const fromLog = new MessageStates();
        for (const entry of server.after(0)) fromLog.apply(entry, SELF);
        expect(view(fromLog)).toEqual(page);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores an event about a message it never saw, and keeps a tombstone one', () => {
    const server = new Server();
    const states = new MessageStates();
    server.post('ann');
    expect(states.apply(server.change('react', 0, 'bob', '👍')!, SELF)).toBeUndefined();
    states.load(server.page(SELF));
    const deleted = states.apply(server.change('delete', 0, 'ann', '')!, SELF);
    expect(deleted).toMatchObject({ content: '', reactions: [] });
    expect(deleted?.deleted_at).not.toBeNull();
  });
});
