import { BusRequestError, subjects } from '@parley/bus';
import { createMetrics } from '@parley/observability';
import type { RoomEvent } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppendRejected } from '../src/messages/append.js';
import { createMessageAppender } from '../src/messages/messages.js';
import { addMember } from '../src/rooms/members.repository.js';
import { insertRoom } from '../src/rooms/rooms.repository.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let a: TestApi;
const timeout = { timeoutMs: 5_000 };

beforeAll(async () => {
  t = await migratedDatabase();
  a = await startApi({ databaseUrl: t.url });
});
afterAll(async () => {
  await a?.close();
  await t?.close();
});

const remoteCode = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BusRequestError);
  return (error as BusRequestError).remote?.error_code;
};

/** The appender the api builds for its routes and endpoints, here on the test's side of the bus. */
const appender = () => createMessageAppender(t.db, a.peer, createMetrics({ service: 'api', instanceId: 'authors-test', collectDefault: false }));

describe('an author without a session', () => {
  it('appends through the appender: stored with session_id null, published to the room, in the history', async () => {
    const events: RoomEvent[] = [];
    const room = a.peer.subscribe(subjects.chatRoom('general'), (e) => void events.push(e));
    await room.ready;
    const reply = await appender().append({ room_id: 'general', author: { user_id: 'helper-bot', session_id: null }, content: 'beep', client_msg_id: 'b-1' });
    expect(reply).toMatchObject({ duplicate: false, message: { room_id: 'general', user_id: 'helper-bot', session_id: null, content: 'beep' } });
    const row = await t.db.selectFrom('messages').selectAll().where('message_id', '=', reply.message.message_id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: 'helper-bot', session_id: null });
    await expect.poll(() => events).toEqual([{ kind: 'message', message: reply.message }]);
    room.unsubscribe();

    const history = (await a.app.inject({ url: '/api/rooms/general/messages/?limit=50' })).json();
    expect(history.messages.map((m: { message_id: string }) => m.message_id)).toContain(reply.message.message_id);
    const again = await appender().append({ room_id: 'general', author: { user_id: 'helper-bot', session_id: null }, content: 'beep', client_msg_id: 'b-1' });
    expect(again).toEqual({ message: reply.message, duplicate: true });
  });

  it('is still held to a private room’s membership', async () => {
    await insertRoom(t.db, { room_id: 'staff', name: 'Staff', description: '', category: 'general', visibility: 'private' });
    const outsider = appender().append({ room_id: 'staff', author: { user_id: 'stray-bot', session_id: null }, content: 'hi', client_msg_id: null });
    await expect(outsider).rejects.toBeInstanceOf(AppendRejected);
    await expect(outsider).rejects.toMatchObject({ error: { error_code: 'PERMISSION_DENIED' } });
    await addMember(t.db, 'staff', 'staff-bot', 'member');
    const member = await appender().append({ room_id: 'staff', author: { user_id: 'staff-bot', session_id: null }, content: 'hi', client_msg_id: null });
    expect(member.message).toMatchObject({ room_id: 'staff', seq: 1, session_id: null });
  });
});

describe('a socket’s append (api.message.append)', () => {
  it('is refused with a session of another user, a closed session or an unknown one', async () => {
    const owner = await a.peer.request(subjects.api.resolveSession, { mode: 'user', user_id: 'olga' }, timeout);
    const foreign = { room_id: 'general', session_id: owner.session_id, user_id: 'mallory', content: 'hi', client_msg_id: null };
    expect(await remoteCode(a.peer.request(subjects.api.appendMessage, foreign, timeout))).toBe('AUTHENTICATION_ERROR');

    const own = { ...foreign, user_id: 'olga' };
    expect((await a.peer.request(subjects.api.appendMessage, own, timeout)).message.session_id).toBe(owner.session_id);
    await a.app.inject({ method: 'DELETE', url: `/api/sessions/${owner.session_id}/` });
    expect(await remoteCode(a.peer.request(subjects.api.appendMessage, own, timeout))).toBe('AUTHENTICATION_ERROR');

    const unknown = { ...own, session_id: '550e8400-e29b-41d4-a716-446655440000' };
    expect(await remoteCode(a.peer.request(subjects.api.appendMessage, unknown, timeout))).toBe('AUTHENTICATION_ERROR');
  });
});
