import type { StoredMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { readHistory, readLog } from '../src/messages/history.js';
import { historyPage } from '../src/messages/messages.repository.js';
import { AppendRejected, fromSocket, MessageAppender } from '../src/messages/append.js';
import { findRoom, insertRoom, joinRoom, leaveRoom } from '../src/rooms/rooms.repository.js';
import { addStats, closeSession, findSession, insertSession, messagesSent, sessionRooms } from '../src/sessions/sessions.repository.js';

export interface ContractDatabase {
  db: Db;
  close(): Promise<void>;
}

export interface ContractTarget extends ContractDatabase {
  /** Another handle on the same database, as a second api instance has (PGlite: the same one). */
  second(): Promise<ContractDatabase>;
}

/**
 * The api's storage promises, written once and run on every database it supports (Postgres and
 * PGlite): the same migrations, the same SQL (the append function included), the same answers.
 * `open` gives a fresh, migrated database of the suite's own.
 */
export function describeRepositoryContract(name: string, open: () => Promise<ContractTarget>): void {
  describe(`repositories on ${name}`, () => {
    let t: ContractTarget;
    const published: StoredMessage[] = [];
    const batches: number[] = [];
    let appender: MessageAppender;
    let alice: { session_id: string; user_id: string };
    let bob: { session_id: string; user_id: string };

    // PGlite's first start (WASM, initdb) takes many seconds on a loaded machine.
    beforeAll(async () => {
      t = await open();
      appender = new MessageAppender(t.db, {
        onStored: (e) => void (e.kind === 'message' && published.push(e.message)),
        onBatch: (size) => batches.push(size),
      });
      alice = await insertSession(t.db, { user_id: 'alice', ttl_ms: 60_000 });
      bob = await insertSession(t.db, { user_id: 'bob', ttl_ms: 60_000 });
      await insertRoom(t.db, { room_id: 'busy', name: 'Busy', description: '', category: 'general' });
    }, 180_000);
    afterAll(() => t?.close());

    const send = (who: { session_id: string; user_id: string }, room_id: string, content: string, client_msg_id: string | null = null) =>
      appender.append(fromSocket({ room_id, session_id: who.session_id, user_id: who.user_id, content, client_msg_id }));

    /**
     * Runs `sends` as one batch: the appender commits the first request of an idle moment alone, so
     * a filler goes first and the sends queue behind it. Fails if they were not batched together.
     */
    async function inOneBatch<T>(sends: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
      const filler = send(alice, 'busy', 'filler');
      const from = batches.length;
      const pending = sends();
      const results = await Promise.allSettled(pending);
      await filler;
      expect(batches.slice(from)).toContain(pending.length);
      return results;
    }

    function fulfilled<T>(result: PromiseSettledResult<T> | undefined): T {
      if (result?.status !== 'fulfilled') throw new Error(`expected a stored message, got ${JSON.stringify(result)}`);
      return result.value;
    }

    describe('MessageAppender', () => {
      it('gives 20 concurrent appenders to one room gap-free seqs 1..n, each stored once', async () => {
        const before = published.length;
        const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 ? alice : bob, 'busy', `m${i}`, `c${i}`)));
        const seqs = replies.map((r) => r.message.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(replies.every((r) => !r.duplicate)).toBe(true);
        const rows = await t.db.selectFrom('messages').select('seq').where('room_id', '=', 'busy').execute();
        expect(rows).toHaveLength(20);
        const room = await t.db.selectFrom('rooms').select('last_seq').where('room_id', '=', 'busy').executeTakeFirstOrThrow();
        expect(room.last_seq).toBe(20);
        // Published after commit, in seq order.
        expect(published.slice(before).map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });

      it('stays gap-free and de-duplicated when two appenders (instances) append to one room at once', async () => {
        const other = await t.second();
        const second = new MessageAppender(other.db);
        try {
          const { last_seq: start } = await t.db.selectFrom('rooms').select('last_seq').where('room_id', '=', 'busy').executeTakeFirstOrThrow();
          // Request i and i + 150 carry the same client_msg_id and go to different instances.
          const appenders = [appender, second];
          const replies = await Promise.all(
            Array.from({ length: 200 }, (_, i) =>
              appenders[Math.floor(i / 100)]!.append(
                fromSocket({ room_id: 'busy', session_id: alice.session_id, user_id: 'alice', content: `x${i}`, client_msg_id: `two-${i % 150}` }),
              ),
            ),
          );
          const fresh = replies
            .filter((r) => !r.duplicate)
            .map((r) => r.message.seq)
            .sort((a, b) => a - b);
          expect(fresh).toEqual(Array.from({ length: 150 }, (_, i) => start + i + 1));
          expect(replies.filter((r) => r.duplicate)).toHaveLength(50);
        } finally {
          await other.close();
        }
      });

      it('stores the same client_msg_id once and answers the retry with the stored copy', async () => {
        const first = await send(alice, 'general', 'hello', 'dup-1');
        const retry = await send(alice, 'general', 'hello (retry)', 'dup-1');
        expect(retry.duplicate).toBe(true);
        expect(retry.message).toEqual(first.message);
        const rows = await t.db.selectFrom('messages').selectAll().where('client_msg_id', '=', 'dup-1').execute();
        expect(rows).toHaveLength(1);
      });

      it('de-duplicates a retry that lands in the same batch, consuming one seq', async () => {
        // Between the two sends, another message of the room takes the next seq; the retry's content differs.
        const results = await inOneBatch(() => [
          send(bob, 'general', 'x', 'dup-2'),
          send(alice, 'general', 'between'),
          send(bob, 'general', 'x (retry)', 'dup-2'),
        ]);
        const [a, between, b] = [fulfilled(results[0]), fulfilled(results[1]), fulfilled(results[2])];
        expect([a.duplicate, between.duplicate, b.duplicate]).toEqual([false, false, true]);
        expect(b.message).toEqual(a.message);
        expect(between.message.seq).toBe(a.message.seq + 1);
        const next = await send(bob, 'general', 'after');
        expect(next.message.seq).toBe(a.message.seq + 2);
      });

      it('keeps client_msg_ids of different senders apart', async () => {
        const a = await send(alice, 'general', 'from alice', 'same-id');
        const b = await send(bob, 'general', 'from bob', 'same-id');
        expect(b.duplicate).toBe(false);
        expect(b.message.message_id).not.toBe(a.message.message_id);
      });

      it('rejects an unknown room and a closed session without failing the rest of the batch', async () => {
        const closed = await insertSession(t.db, { user_id: 'carol', ttl_ms: 60_000 });
        await t.db.updateTable('sessions').set({ closed_at: new Date() }).where('session_id', '=', closed.session_id).execute();
        const results = await inOneBatch(() => [send(alice, 'nowhere', 'lost'), send(closed, 'general', 'closed'), send(alice, 'general', 'fine')]);
        expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(AppendRejected) });
        expect((results[0] as PromiseRejectedResult).reason.error.error_code).toBe('ROOM_NOT_FOUND');
        expect((results[1] as PromiseRejectedResult).reason.error.error_code).toBe('AUTHENTICATION_ERROR');
        expect(results[2]).toMatchObject({ status: 'fulfilled' });
      });

      it('rejects an expired session and a session that is not the sender’s', async () => {
        const expired = await insertSession(t.db, { user_id: 'erin', ttl_ms: 60_000 });
        await t.db
          .updateTable('sessions')
          .set({ expires_at: new Date(Date.now() - 1_000) })
          .where('session_id', '=', expired.session_id)
          .execute();
        const results = await Promise.allSettled([send(expired, 'general', 'late'), send({ ...alice, user_id: 'mallory' }, 'general', 'spoofed')]);
        for (const result of results) {
          expect(result).toMatchObject({ status: 'rejected', reason: expect.any(AppendRejected) });
          expect((result as PromiseRejectedResult).reason.error.error_code).toBe('AUTHENTICATION_ERROR');
        }
      });

      it('stores a retry that follows a rejected first attempt in the same batch', async () => {
        const closed = await insertSession(t.db, { user_id: 'frank', ttl_ms: 60_000 });
        await t.db.updateTable('sessions').set({ closed_at: new Date() }).where('session_id', '=', closed.session_id).execute();
        const fresh = await insertSession(t.db, { user_id: 'frank', ttl_ms: 60_000 });
        const results = await inOneBatch(() => [
          send(closed, 'general', 'x', 'after-reject'),
          send(fresh, 'general', 'x', 'after-reject'),
          send(fresh, 'general', 'x', 'after-reject'),
        ]);
        expect(results[0]?.status).toBe('rejected');
        const [stored, again] = [fulfilled(results[1]), fulfilled(results[2])];
        expect([stored.duplicate, again.duplicate]).toEqual([false, true]);
        expect(again.message.message_id).toBe(stored.message.message_id);
      });

      it('counts a session’s messages sent from what is stored: a retry is not counted twice', async () => {
        const s = await insertSession(t.db, { user_id: 'dave', ttl_ms: 60_000 });
        await Promise.all([send(s, 'general', 'a', 'd-1'), send(s, 'busy', 'b')]);
        expect((await send(s, 'general', 'a', 'd-1')).duplicate).toBe(true);
        expect(await messagesSent(t.db, s.session_id)).toBe(2);
      });
    });

    describe('rooms, sessions and history', () => {
      it('finds what it inserted, refuses a taken room id, and closes a session once', async () => {
        expect(await insertRoom(t.db, { room_id: 'lobby', name: 'Lobby', description: 'd', category: 'general' })).toMatchObject({
          room_id: 'lobby',
          last_seq: 0,
        });
        expect(await insertRoom(t.db, { room_id: 'lobby', name: 'Again', description: '', category: 'general' })).toBeUndefined();
        expect((await findRoom(t.db, 'lobby'))?.name).toBe('Lobby');
        const s = await insertSession(t.db, { user_id: 'gail', ttl_ms: 60_000, preferences: { theme: 'dark' } });
        expect(await findSession(t.db, s.session_id)).toMatchObject({ user_id: 'gail', preferences: { theme: 'dark' }, closed_at: null });
        expect(s.expires_at.getTime()).toBeGreaterThan(Date.now() + 50_000);
        expect(await closeSession(t.db, s.session_id)).toBe(true);
        expect(await closeSession(t.db, s.session_id)).toBe(false);
      });

      it('keeps memberships idempotent and adds statistics in one statement', async () => {
        const s = await insertSession(t.db, { user_id: 'hal', ttl_ms: 60_000 });
        const first = await joinRoom(t.db, 'busy', s.session_id);
        expect((await joinRoom(t.db, 'busy', s.session_id)).getTime()).toBe(first.getTime());
        expect(await sessionRooms(t.db, s.session_id)).toEqual(['busy']);
        expect(await leaveRoom(t.db, 'busy', s.session_id)).toBe(true);
        expect(await leaveRoom(t.db, 'busy', s.session_id)).toBe(false);
        const at = new Date().toISOString();
        await addStats(t.db, [{ session_id: s.session_id, messages_received: 2, connection_seconds: 1.5, last_activity: at }]);
        await addStats(t.db, [{ session_id: s.session_id, messages_received: 3, connection_seconds: 1, last_activity: at }]);
        expect(await findSession(t.db, s.session_id)).toMatchObject({ messages_received: 5, connection_seconds: 2.5 });
      });

      it('pages history by seq in both directions', async () => {
        await insertRoom(t.db, { room_id: 'paged', name: 'Paged', description: '', category: 'general' });
        for (let i = 1; i <= 5; i++) await send(alice, 'paged', `p${i}`);
        const newest = await historyPage(t.db, { roomId: 'paged', limit: 2 });
        expect(newest.rows.map((r) => r.seq)).toEqual([5, 4]);
        expect(newest.hasMore).toBe(true);
        const older = await historyPage(t.db, { roomId: 'paged', limit: 10, beforeSeq: 4 });
        expect(older).toMatchObject({ hasMore: false, rows: [{ seq: 3 }, { seq: 2 }, { seq: 1 }] });
        const after = await historyPage(t.db, { roomId: 'paged', limit: 2, afterSeq: 2 });
        expect(after.rows.map((r) => r.content)).toEqual(['p3', 'p4']);
      });

      it('appends edits, reactions and deletes on the messages’ seq counter, and reads back state and log', async () => {
        await insertRoom(t.db, { room_id: 'evented', name: 'Evented', description: '', category: 'general' });
        const { message } = await send(alice, 'evented', 'draft');
        const author = (who: { session_id: string; user_id: string }) => ({ user_id: who.user_id, session_id: who.session_id });
        const base = { room_id: 'evented', message_id: message.message_id, client_msg_id: null };
        const [edit, react, late] = await Promise.all([
          appender.appendEvent({ ...base, type: 'message_edited', author: author(alice), content: 'final' }),
          appender.appendEvent({ ...base, type: 'reaction_added', author: author(bob), emoji: '👍' }),
          send(bob, 'evented', 'a reply'),
        ]);
        expect([late.message.seq, edit.event.data.seq, react.event.data.seq].sort()).toEqual([2, 3, 4]);
        const [state] = (await readHistory(t.db, { roomId: 'evented', limit: 10, readerId: 'bob' })).messages;
        expect(state).toMatchObject({
          content: 'final',
          reactions: [{ emoji: '👍', count: 1, me: true }],
          state_seq: Math.max(edit.event.data.seq, react.event.data.seq),
        });
        await appender.appendEvent({ ...base, type: 'message_deleted', author: author(alice) });
        const log = await readLog(t.db, 'evented', 0, 10);
        expect(log.events.map((e) => [e.type, e.data.seq])).toEqual([
          ['text_message', 1],
          ...[late, edit, react]
            .map((r) => ('message' in r ? ['text_message', r.message.seq] : [r.event.type, r.event.data.seq]))
            .sort((x, y) => (x[1] as number) - (y[1] as number)),
          ['message_deleted', 5],
        ]);
        expect(JSON.stringify(log)).not.toContain('final');
      });
    });
  });
}
