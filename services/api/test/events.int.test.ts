import { BusRequestError, subjects } from '@parley/bus';
import { EventsPageSchema, MessagesPageSchema, type AppendEventRequest, type LogEntry, type MessageState, type RoomEvent } from '@parley/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../src/rooms/members.repository.js';
import { insertRoom } from '../src/rooms/rooms.repository.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let a: TestApi;
const timeout = { timeoutMs: 5_000 };
type Who = { session_id: string; user_id: string };
let ann: Who;
let ben: Who;
let mod: Who;

beforeAll(async () => {
  t = await migratedDatabase();
  a = await startApi({ databaseUrl: t.url, config: { MESSAGE_MAX_REACTIONS: 3 } });
  const user = (user_id: string) => a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id }, timeout);
  [ann, ben, mod] = await Promise.all([user('ann'), user('ben'), user('mod')]);
});
afterAll(async () => {
  await a?.close();
  await t?.close();
});

const post = async (who: Who, room_id: string, content: string) =>
  (await a.peer.request(subjects.api.appendMessage, { room_id, session_id: who.session_id, user_id: who.user_id, content, client_msg_id: null }, timeout))
    .message;

type Change = { type: 'message_edited'; content: string } | { type: 'message_deleted' } | { type: 'reaction_added' | 'reaction_removed'; emoji: string };
const change = (who: Who, room_id: string, message_id: string, c: Change, client_msg_id: string | null = null) =>
  a.peer.request(
    subjects.api.appendEvent,
    { ...c, room_id, message_id, session_id: who.session_id, user_id: who.user_id, client_msg_id } as AppendEventRequest,
    timeout,
  );

const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BusRequestError);
  return (error as BusRequestError).remote;
};

const history = async (room: string, reader?: Who) => {
  const res = await a.app.inject({ url: `/api/rooms/${room}/messages/?limit=100`, headers: reader ? { 'x-session-id': reader.session_id } : {} });
  expect(res.statusCode, res.body).toBe(200);
  return MessagesPageSchema.strict().parse(res.json()).messages;
};
const log = async (room: string, since = 0) => {
  const res = await a.app.inject({ url: `/api/rooms/${room}/events/?since_seq=${since}&limit=100` });
  expect(res.statusCode, res.body).toBe(200);
  return EventsPageSchema.parse(res.json()).events;
};

/** What a client does with the log: the state every message ends in (the SDK's reducer, written out plainly). */
function replay(entries: LogEntry[], reader: string): Map<string, { content: string; edited: boolean; deleted: boolean; reactions: Map<string, Set<string>> }> {
  const state = new Map<string, { content: string; edited: boolean; deleted: boolean; reactions: Map<string, Set<string>> }>();
  for (const e of entries) {
    if (e.type === 'text_message') {
      state.set(e.data.message_id, { content: e.data.content, edited: !!e.data.edited_at, deleted: !!e.data.deleted_at, reactions: new Map() });
      continue;
    }
    const m = state.get(e.data.message_id)!;
    if (e.type === 'message_edited') Object.assign(m, { content: e.data.content, edited: true });
    else if (e.type === 'message_deleted') Object.assign(m, { content: '', deleted: true, reactions: new Map() });
    else if (e.type === 'reaction_added') m.reactions.set(e.data.emoji, new Set([...(m.reactions.get(e.data.emoji) ?? []), e.data.user_id]));
    else {
      m.reactions.get(e.data.emoji)!.delete(e.data.user_id);
      if (m.reactions.get(e.data.emoji)!.size === 0) m.reactions.delete(e.data.emoji);
    }
  }
  void reader;
  return state;
}
const pageState = (messages: MessageState[]) =>
  new Map(
    messages.map((m) => [
      m.message_id,
      { content: m.content, edited: m.edited_at !== null, deleted: m.deleted_at !== null, counts: m.reactions.map((r) => [r.emoji, r.count]) },
    ]),
  );

describe('durable events through api.event.append', () => {
  it('edits: the author only, next seq, published after the commit, current state in history and the edit in the log', async () => {
    const published: RoomEvent[] = [];
    const sub = a.peer.subscribe(subjects.chatRoom('general'), (e) => void published.push(e));
    await sub.ready;
    const m = await post(ann, 'general', 'helo');
    const edited = await change(ann, 'general', m.message_id, { type: 'message_edited', content: 'hello' }, 'edit-1');
    expect(edited).toMatchObject({
      duplicate: false,
      event: { type: 'message_edited', data: { seq: m.seq + 1, message_id: m.message_id, user_id: 'ann', content: 'hello' } },
    });
    await expect.poll(() => published.map((e) => (e.kind === 'event' ? e.event : e.kind))).toEqual(['message', edited.event]);
    sub.unsubscribe();

    const again = await change(ann, 'general', m.message_id, { type: 'message_edited', content: 'hello' }, 'edit-1');
    expect(again).toEqual({ event: edited.event, duplicate: true });
    expect((await refusal(change(ben, 'general', m.message_id, { type: 'message_edited', content: 'mine now' })))?.error_code).toBe('PERMISSION_DENIED');

    const [state] = (await history('general')).filter((s) => s.message_id === m.message_id);
    expect(state).toMatchObject({ content: 'hello', edited_at: edited.event.data.created_at, deleted_at: null, state_seq: m.seq + 1, reactions: [] });
    expect((await log('general', m.seq - 1)).map((e) => [e.type, e.data.seq])).toEqual([
      ['text_message', m.seq],
      ['message_edited', m.seq + 1],
    ]);
  });

  it('refuses an edit after the edit window, and any change to a message of another room or none', async () => {
    const m = await post(ann, 'general', 'old news');
    await sql`UPDATE messages SET created_at = now() - interval '2 days' WHERE message_id = ${m.message_id}`.execute(t.db);
    expect(await refusal(change(ann, 'general', m.message_id, { type: 'message_edited', content: 'new news' }))).toMatchObject({
      error_code: 'PERMISSION_DENIED',
    });
    await insertRoom(t.db, { room_id: 'other', name: 'Other', description: '', category: 'general' });
    expect(await refusal(change(ann, 'other', m.message_id, { type: 'message_deleted' }))).toMatchObject({
      error_code: 'NOT_FOUND',
      details: { field: 'message_id' },
    });
    const nowhere = '00000000-0000-4000-8000-000000000000';
    expect((await refusal(change(ann, 'general', nowhere, { type: 'reaction_added', emoji: '👍' })))?.error_code).toBe('NOT_FOUND');
  });

  it('deletes: the author or a room owner or admin; a tombstone without content, its edits erased from the log, later changes refused', async () => {
    await insertRoom(t.db, { room_id: 'club', name: 'Club', description: '', category: 'general' });
    await addMember(t.db, 'club', 'mod', 'admin');
    const m = await post(ann, 'club', 'secret');
    await change(ann, 'club', m.message_id, { type: 'message_edited', content: 'secret, edited' });
    await change(ben, 'club', m.message_id, { type: 'reaction_added', emoji: '👀' });
    expect((await refusal(change(ben, 'club', m.message_id, { type: 'message_deleted' })))?.error_code).toBe('PERMISSION_DENIED');
    const deleted = await change(mod, 'club', m.message_id, { type: 'message_deleted' });
    expect(deleted.event).toMatchObject({ type: 'message_deleted', data: { seq: m.seq + 3, user_id: 'mod' } });

    const [state] = await history('club');
    expect(state).toMatchObject({ content: '', deleted_at: deleted.event.data.created_at, reactions: [], state_seq: m.seq + 3 });
    const entries = await log('club');
    expect(JSON.stringify(entries)).not.toContain('secret');
    expect(entries.map((e) => e.type)).toEqual(['text_message', 'message_edited', 'reaction_added', 'message_deleted']);
    expect((await refusal(change(ann, 'club', m.message_id, { type: 'message_edited', content: 'back' })))?.error_code).toBe('NOT_FOUND');
    expect((await refusal(change(ann, 'club', m.message_id, { type: 'message_deleted' })))?.error_code).toBe('NOT_FOUND');
  });

  it('reactions: once per user, emoji and message; counts with the reader’s own; at most MESSAGE_MAX_REACTIONS distinct emoji', async () => {
    const m = await post(ann, 'general', 'react to me');
    await change(ann, 'general', m.message_id, { type: 'reaction_added', emoji: '👍' });
    await change(ben, 'general', m.message_id, { type: 'reaction_added', emoji: '👍' });
    await change(ben, 'general', m.message_id, { type: 'reaction_added', emoji: '🎉' });
    expect(await refusal(change(ben, 'general', m.message_id, { type: 'reaction_added', emoji: '👍' }))).toMatchObject({
      error_code: 'VALIDATION_ERROR',
      details: { field: 'emoji' },
    });
    expect((await refusal(change(ann, 'general', m.message_id, { type: 'reaction_removed', emoji: '🎉' })))?.error_code).toBe('VALIDATION_ERROR');
    await change(ann, 'general', m.message_id, { type: 'reaction_added', emoji: ':ok:' });
    // A fourth distinct emoji is beyond the limit of 3; another user's existing emoji is not.
    expect((await refusal(change(ann, 'general', m.message_id, { type: 'reaction_added', emoji: '🚀' })))?.error_code).toBe('VALIDATION_ERROR');
    await change(ann, 'general', m.message_id, { type: 'reaction_added', emoji: '🎉' });

    const state = (await history('general', ann)).find((s) => s.message_id === m.message_id)!;
    // In code point order of the emoji, whoever used one first.
    expect(state.reactions).toEqual([
      { emoji: ':ok:', count: 1, me: true },
      { emoji: '🎉', count: 2, me: true },
      { emoji: '👍', count: 2, me: true },
    ]);
    await change(ben, 'general', m.message_id, { type: 'reaction_removed', emoji: '👍' });
    const forBen = (await history('general', ben)).find((s) => s.message_id === m.message_id)!;
    expect(forBen.reactions).toEqual([
      { emoji: ':ok:', count: 1, me: false },
      { emoji: '🎉', count: 2, me: true },
      { emoji: '👍', count: 1, me: false },
    ]);
  });

  it('keeps a private room’s events to its members', async () => {
    await insertRoom(t.db, { room_id: 'inner', name: 'Inner', description: '', category: 'general', visibility: 'private' });
    await addMember(t.db, 'inner', 'ann', 'owner');
    const m = await post(ann, 'inner', 'members only');
    expect((await refusal(change(ben, 'inner', m.message_id, { type: 'reaction_added', emoji: '👍' })))?.error_code).toBe('PERMISSION_DENIED');
  });
});

describe('the log', () => {
  it('interleaves concurrent messages and events with gap-free seqs, publishes them in seq order, and replays to the state of the page', async () => {
    await insertRoom(t.db, { room_id: 'busy', name: 'Busy', description: '', category: 'general' });
    const published: number[] = [];
    const sub = a.peer.subscribe(
      subjects.chatRoom('busy'),
      (e) => void published.push(e.kind === 'event' ? e.event.data.seq : e.kind === 'message' ? e.message.seq : -1),
    );
    await sub.ready;
    const seeds = await Promise.all([post(ann, 'busy', 'one'), post(ben, 'busy', 'two'), post(ann, 'busy', 'three')]);
    const [one, two, three] = seeds.sort((x, y) => x.seq - y.seq).map((m) => m.message_id) as [string, string, string];
    const byAuthor = new Map(seeds.map((m) => [m.message_id, m.user_id === 'ann' ? ann : ben]));
    const settled = await Promise.allSettled([
      post(ben, 'busy', 'four'),
      change(byAuthor.get(one)!, 'busy', one, { type: 'message_edited', content: 'one!' }),
      change(ann, 'busy', two, { type: 'reaction_added', emoji: '👍' }),
      change(ben, 'busy', two, { type: 'reaction_added', emoji: '👍' }),
      post(ann, 'busy', 'five'),
      change(byAuthor.get(three)!, 'busy', three, { type: 'message_deleted' }),
      change(ben, 'busy', two, { type: 'reaction_removed', emoji: '👍' }),
      change(ann, 'busy', three, { type: 'reaction_added', emoji: '🙈' }),
    ]);
    expect(settled.slice(0, 5).every((s) => s.status === 'fulfilled')).toBe(true);
    const entries = await log('busy');
    const stored = entries.length;
    expect(entries.map((e) => e.data.seq)).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
    await expect.poll(() => published.length).toBe(stored);
    expect(published).toEqual([...published].sort((x, y) => x - y));
    sub.unsubscribe();

    const replayed = replay(entries, 'ann');
    const page = pageState(await history('busy', ann));
    expect(
      new Map(
        [...replayed].map(([id, m]) => [
          id,
          { content: m.content, edited: m.edited, deleted: m.deleted, counts: [...m.reactions].map(([emoji, users]) => [emoji, users.size]) },
        ]),
      ),
    ).toEqual(page);
    // Paging the log gives the same entries.
    const firstHalf = (await a.app.inject({ url: '/api/rooms/busy/events/?since_seq=0&limit=4' })).json();
    expect(firstHalf).toMatchObject({ has_more: true });
    expect([...firstHalf.events, ...(await log('busy', 4))]).toEqual(entries);
  });
});
