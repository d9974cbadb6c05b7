import { BusRequestError, subjects } from '@parley/bus';
import type { AppendEventRequest, ErrorData } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

/**
 * Moderation holds for the room's durable events too (edits, reactions): a muted user may not
 * change the room through them any more than by posting, a banned one not at all.
 */

let t: MigratedDatabase;
let api: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url });
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

interface User {
  user_id: string;
  session_id: string;
  headers: Record<string, string>;
}
async function user(user_id: string): Promise<User> {
  const res = await api.app.inject({ method: 'POST', url: '/api/sessions/', payload: { user_id } });
  const session_id = res.json<{ session_id: string }>().session_id;
  return { user_id, session_id, headers: { 'x-session-id': session_id } };
}

async function request<T>(subject: typeof subjects.api.appendMessage | typeof subjects.api.appendEvent, payload: unknown): Promise<T | ErrorData> {
  try {
    return (await api.peer.request(subject as never, payload as never, { timeoutMs: 5_000 })) as T;
  } catch (error) {
    if (error instanceof BusRequestError && error.remote) return error.remote as ErrorData;
    throw error;
  }
}
const post = async (from: User, room_id: string, content: string) =>
  (await request<{ message: { message_id: string } }>(subjects.api.appendMessage, {
    room_id,
    session_id: from.session_id,
    user_id: from.user_id,
    content,
    client_msg_id: null,
  })) as { message: { message_id: string } };
const event = (from: User, change: Partial<AppendEventRequest> & Pick<AppendEventRequest, 'type' | 'room_id' | 'message_id'>) =>
  request<{ event: { data: { seq: number } } }>(subjects.api.appendEvent, {
    session_id: from.session_id,
    user_id: from.user_id,
    client_msg_id: null,
    ...change,
  });

describe('moderation of durable events', () => {
  it('a muted user can neither edit nor react (PERMISSION_DENIED with until) but may delete their own message; a banned one can do none of it', async () => {
    const [owner, bob, eve] = await Promise.all([user('me-owner'), user('me-bob'), user('me-eve')]);
    expect(
      (await api.app.inject({ method: 'POST', url: '/api/rooms/', headers: owner.headers, payload: { room_id: 'modev', name: 'Mod events' } })).statusCode,
    ).toBe(201);
    const bobs = (await post(bob, 'modev', 'first')).message.message_id;
    const bobs2 = (await post(bob, 'modev', 'second')).message.message_id;
    const eves = (await post(eve, 'modev', 'eve here')).message.message_id;

    const muted = await api.app.inject({
      method: 'POST',
      url: '/api/rooms/modev/mutes/',
      headers: owner.headers,
      payload: { user_id: 'me-bob', duration_seconds: 600 },
    });
    expect(muted.statusCode).toBe(200);
    const { until } = muted.json<{ until: string }>();
    expect(await event(bob, { type: 'message_edited', room_id: 'modev', message_id: bobs, content: 'spam instead' })).toMatchObject({
      error_code: 'PERMISSION_DENIED',
      details: { until },
    });
    expect(await event(bob, { type: 'reaction_added', room_id: 'modev', message_id: eves, emoji: '💩' })).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    expect(await event(bob, { type: 'message_deleted', room_id: 'modev', message_id: bobs2 })).toMatchObject({ event: { data: { message_id: bobs2 } } });

    expect(
      (await api.app.inject({ method: 'POST', url: '/api/rooms/modev/bans/', headers: owner.headers, payload: { user_id: 'me-eve' } })).statusCode,
    ).toBeLessThan(300);
    for (const change of [{ type: 'message_edited', content: 'from outside' }, { type: 'reaction_added', emoji: '👎' }, { type: 'message_deleted' }] as const) {
      expect(await event(eve, { room_id: 'modev', message_id: eves, ...change })).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    }
    const page = (await api.app.inject({ url: '/api/rooms/modev/messages/', headers: owner.headers })).json<{ messages: { content: string }[] }>();
    expect(page.messages.map((m) => m.content)).toEqual(['first', '', 'eve here']);
  });

  it('a retry of a message stored before the mute gets its duplicate ack, not a refusal of what every member already has', async () => {
    const [owner, kim] = await Promise.all([user('me-owner2'), user('me-kim')]);
    expect(
      (await api.app.inject({ method: 'POST', url: '/api/rooms/', headers: owner.headers, payload: { room_id: 'modev2', name: 'Mod retry' } })).statusCode,
    ).toBe(201);
    const message = { room_id: 'modev2', session_id: kim.session_id, user_id: kim.user_id, content: 'sent once', client_msg_id: 'kim-1' };
    expect(await request(subjects.api.appendMessage, message)).toMatchObject({ duplicate: false, message: { seq: 1 } });
    const muted = await api.app.inject({
      method: 'POST',
      url: '/api/rooms/modev2/mutes/',
      headers: owner.headers,
      payload: { user_id: 'me-kim', duration_seconds: 600 },
    });
    expect(muted.statusCode).toBe(200);
    // The ack was lost (a gateway restart): the client sends it again with its client_msg_id.
    expect(await request(subjects.api.appendMessage, message)).toMatchObject({ duplicate: true, message: { seq: 1 } });
    expect(await request(subjects.api.appendMessage, { ...message, content: 'new', client_msg_id: 'kim-2' })).toMatchObject({
      error_code: 'PERMISSION_DENIED',
    });
  });

  it('so does a retry of an edit stored before the mute', async () => {
    const [owner, lou] = await Promise.all([user('me-owner3'), user('me-lou')]);
    expect(
      (await api.app.inject({ method: 'POST', url: '/api/rooms/', headers: owner.headers, payload: { room_id: 'modev3', name: 'Mod edit retry' } })).statusCode,
    ).toBe(201);
    const id = (await post(lou, 'modev3', 'typo')).message.message_id;
    const edit = { type: 'message_edited', room_id: 'modev3', message_id: id, content: 'fixed', client_msg_id: 'lou-edit-1' } as const;
    expect(await event(lou, edit)).toMatchObject({ duplicate: false, event: { data: { seq: 2 } } });
    const muted = await api.app.inject({
      method: 'POST',
      url: '/api/rooms/modev3/mutes/',
      headers: owner.headers,
      payload: { user_id: 'me-lou', duration_seconds: 600 },
    });
    expect(muted.statusCode).toBe(200);
    expect(await event(lou, edit)).toMatchObject({ duplicate: true, event: { data: { seq: 2 } } });
    expect(await event(lou, { ...edit, client_msg_id: 'lou-edit-2' })).toMatchObject({ error_code: 'PERMISSION_DENIED' });
  });
});
