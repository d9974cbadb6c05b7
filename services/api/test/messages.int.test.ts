import { MessagesPageSchema } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSocket, MessageAppender } from '../src/messages/append.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { startApi, type TestApi } from './app.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
let api: TestApi;

beforeAll(async () => {
  t = await migratedDatabase();
  api = await startApi({ databaseUrl: t.url });
  const s = await insertSession(t.db, { user_id: 'writer', ttl_ms: 60_000 });
  const appender = new MessageAppender(t.db);
  for (let i = 1; i <= 25; i++) {
    await appender.append(fromSocket({ room_id: 'general', session_id: s.session_id, user_id: 'writer', content: `message ${i}`, client_msg_id: `m-${i}` }));
  }
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const page = async (query: string) => {
  const res = await api.app.inject({ url: `/api/rooms/general/messages/${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return MessagesPageSchema.strict().parse(res.json());
};
const seqs = (p: { messages: { seq: number }[] }) => p.messages.map((m) => m.seq);

describe('GET /api/rooms/{room_id}/messages/', () => {
  it('serves the newest page first, ascending, and pages back with next_before_seq to the start', async () => {
    const first = await page('?limit=10');
    expect(seqs(first)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(first).toMatchObject({ has_more: true, next_before_seq: 16 });
    const second = await page(`?limit=10&before_seq=${first.next_before_seq}`);
    expect(seqs(second)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const last = await page(`?limit=10&before_seq=${second.next_before_seq}`);
    expect(seqs(last)).toEqual([1, 2, 3, 4, 5]);
    expect(last).toMatchObject({ has_more: false, next_before_seq: null });
  });

  it('catches up after a seq, oldest first', async () => {
    const catchUp = await page('?after_seq=20&limit=3');
    expect(seqs(catchUp)).toEqual([21, 22, 23]);
    expect(catchUp.has_more).toBe(true);
    const rest = await page('?after_seq=23');
    expect(seqs(rest)).toEqual([24, 25]);
    expect(rest).toMatchObject({ has_more: false, next_before_seq: null });
    expect((await page('?after_seq=25')).messages).toEqual([]);
  });

  it('serves a range with both cursors', async () => {
    expect(seqs(await page('?after_seq=3&before_seq=7'))).toEqual([4, 5, 6]);
  });

  it('never reveals a sender’s session id, and echoes client_msg_id', async () => {
    const { messages } = await page('?limit=1');
    expect(messages[0]).toMatchObject({ room_id: 'general', user_id: 'writer', content: 'message 25', client_msg_id: 'm-25', seq: 25 });
    expect(JSON.stringify(messages)).not.toContain('session_id');
  });

  it('rejects bad cursors and limits, and answers ROOM_NOT_FOUND for an unknown room', async () => {
    for (const q of ['?limit=0', '?limit=-5', '?before_seq=0', '?after_seq=-1', '?after_seq=x']) {
      const res = await api.app.inject({ url: `/api/rooms/general/messages/${q}` });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error_code).toBe('VALIDATION_ERROR');
    }
    expect((await page('?limit=5000')).messages).toHaveLength(25);
    const unknown = await api.app.inject({ url: '/api/rooms/nowhere/messages/' });
    expect([unknown.statusCode, unknown.json().error_code]).toEqual([404, 'ROOM_NOT_FOUND']);
  });
});
