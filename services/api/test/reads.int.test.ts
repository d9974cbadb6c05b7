import { subjects } from '@parley/bus';
import { ListRoomsResponseSchema, MarkReadResponseSchema, type RoomEvent } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSocket, MessageAppender } from '../src/messages/append.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/** Read positions: REST and the bus endpoint, unread counts, who may, and the receipts they publish. */

let t: MigratedDatabase;
let api: TestApi;
const sessions: Record<string, string> = {};

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url, config: { READ_RECEIPTS_MAX_MEMBERS: 3 } });
  for (const user of ['ann', 'bob', 'eve']) sessions[user] = (await insertSession(t.db, { user_id: user, ttl_ms: 60_000 })).session_id;
  const appender = new MessageAppender(t.db);
  // general: 1-6 by bob, 7-8 by ann, 9-10 by bob.
  const authors = ['bob', 'bob', 'bob', 'bob', 'bob', 'bob', 'ann', 'ann', 'bob', 'bob'];
  for (const [i, user] of authors.entries()) {
    await appender.append(fromSocket({ room_id: 'general', session_id: sessions[user]!, user_id: user, content: `m${i + 1}`, client_msg_id: `m${i + 1}` }));
  }
  const created = await api.app.inject({
    method: 'POST',
    url: '/api/rooms/',
    headers: { 'x-session-id': sessions['ann']! },
    payload: { room_id: 'secret', name: 'Secret', visibility: 'private' },
  });
  expect(created.statusCode).toBe(201);
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const markRead = (user: string | undefined, room: string, seq: unknown) =>
  api.app.inject({ method: 'PUT', url: `/api/rooms/${room}/read/`, headers: user ? { 'x-session-id': sessions[user]! } : {}, payload: { seq } });
const roomsOf = async (user?: string) =>
  ListRoomsResponseSchema.parse((await api.app.inject({ url: '/api/rooms/', headers: user ? { 'x-session-id': sessions[user]! } : {} })).json()).rooms;

describe('PUT /api/rooms/{room_id}/read/', () => {
  it('moves forward only, never past the head, and counts only other users’ events as unread', async () => {
    expect((await roomsOf('ann')).find((r) => r.room_id === 'general')).toMatchObject({ read_seq: 0, unread: 8 });
    const at4 = await markRead('ann', 'general', 4);
    expect(at4.statusCode, at4.body).toBe(200);
    expect(MarkReadResponseSchema.parse(at4.json())).toEqual({ room_id: 'general', read_seq: 4, unread: 4 });
    expect((await markRead('ann', 'general', 2)).json()).toEqual({ room_id: 'general', read_seq: 4, unread: 4 });
    expect((await markRead('ann', 'general', 1_000)).json()).toEqual({ room_id: 'general', read_seq: 10, unread: 0 });
    // bob's position is his own, and ann's two messages are unread for him.
    expect((await markRead('bob', 'general', 5)).json()).toEqual({ room_id: 'general', read_seq: 5, unread: 2 });
  });

  it('GET /api/rooms/ carries the caller’s position per room, and nothing for an anonymous caller', async () => {
    const forBob = await roomsOf('bob');
    expect(forBob.find((r) => r.room_id === 'general')).toMatchObject({ read_seq: 5, unread: 2 });
    const anonymous = await roomsOf();
    expect(anonymous.find((r) => r.room_id === 'general')).not.toHaveProperty('unread');
    expect(anonymous.find((r) => r.room_id === 'general')).not.toHaveProperty('read_seq');
  });

  it('who may: an identified caller, in a room they may see', async () => {
    const anonymous = await markRead(undefined, 'general', 1);
    expect([anonymous.statusCode, anonymous.json().error_code]).toEqual([401, 'AUTHENTICATION_ERROR']);
    const outsider = await markRead('eve', 'secret', 0);
    expect([outsider.statusCode, outsider.json().error_code]).toEqual([404, 'ROOM_NOT_FOUND']);
    expect((await markRead('ann', 'secret', 0)).statusCode).toBe(200);
    expect((await markRead('ann', 'nowhere', 1)).statusCode).toBe(404);
    expect((await markRead('ann', 'general', -1)).statusCode).toBe(400);
  });
});

describe('api.room.markRead and api.room.access over the bus', () => {
  it('a moved position is published on the room subject as an ephemeral read event; one that did not move is not', async () => {
    const heard: RoomEvent[] = [];
    const tap = api.peer.subscribe(subjects.chatRoom('general'), (event) => void heard.push(event), { queue: null });
    await tap.ready;
    const reply = await api.peer.request(subjects.api.markRead, { room_id: 'general', session_id: sessions['eve']!, seq: 3 }, { timeoutMs: 2_000 });
    expect(reply).toEqual({ room_id: 'general', read_seq: 3, unread: 7 });
    await api.peer.request(subjects.api.markRead, { room_id: 'general', session_id: sessions['eve']!, seq: 2 }, { timeoutMs: 2_000 });
    await expect.poll(() => heard.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual([{ kind: 'read', room_id: 'general', user_id: 'eve', seq: 3, at: expect.any(Number) }]);
    tap.unsubscribe();
  });

  it('no receipts in a room with more users online than READ_RECEIPTS_MAX_MEMBERS', async () => {
    const presence = api.peer.serve(subjects.presence.counts, ({ room_ids }) => ({ counts: Object.fromEntries(room_ids.map((id) => [id, 4])) }));
    await presence.ready;
    const heard: RoomEvent[] = [];
    const tap = api.peer.subscribe(subjects.chatRoom('secret'), (event) => void heard.push(event), { queue: null });
    await tap.ready;
    await api.app.inject({ method: 'POST', url: '/api/rooms/secret/members/', headers: { 'x-session-id': sessions['ann']! }, payload: { user_id: 'bob' } });
    await new MessageAppender(t.db).append(fromSocket({ room_id: 'secret', session_id: sessions['ann']!, user_id: 'ann', content: 'hi', client_msg_id: 's1' }));
    const reply = await api.peer.request(subjects.api.markRead, { room_id: 'secret', session_id: sessions['bob']!, seq: 1 }, { timeoutMs: 2_000 });
    expect(reply).toEqual({ room_id: 'secret', read_seq: 1, unread: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).toEqual([]);
    tap.unsubscribe();
    presence.unsubscribe();
    await presence.closed;
  });

  it('a session may not mark a private room it may not enter', async () => {
    await expect(
      api.peer.request(subjects.api.markRead, { room_id: 'secret', session_id: sessions['eve']!, seq: 1 }, { timeoutMs: 2_000 }),
    ).rejects.toMatchObject({
      remote: { error_code: 'PERMISSION_DENIED' },
    });
  });

  it('the access reply carries the user’s read position for room_joined', async () => {
    const access = await api.peer.request(subjects.api.roomAccess, { room_id: 'general', session_id: sessions['bob']! }, { timeoutMs: 2_000 });
    expect(access).toEqual({ room_id: 'general', allowed: true, last_seq: 10, read_seq: 5, unread: 2 });
  });
});

describe('what counts as unread', () => {
  it('a deleted message is not unread (nor are edits and reactions: they change messages, they are not new ones)', async () => {
    expect((await roomsOf('bob')).find((r) => r.room_id === 'general')).toMatchObject({ read_seq: 5, unread: 2 });
    await t.db.updateTable('messages').set({ deleted_at: new Date() }).where('room_id', '=', 'general').where('seq', '=', 8).execute();
    expect((await roomsOf('bob')).find((r) => r.room_id === 'general')).toMatchObject({ read_seq: 5, unread: 1 });
  });
});
