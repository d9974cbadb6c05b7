import { createMetrics } from '@parley/observability';
import { createMemoryBus } from '@parley/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSocket } from '../src/messages/append.js';
import { createMessageAppender } from '../src/messages/messages.js';
import { moderated, ModerationGate } from '../src/moderation/gate.js';
import { insertRoom } from '../src/rooms/rooms.repository.js';
import { insertSession } from '../src/sessions/sessions.repository.js';
import { migratedDatabase, type MigratedDatabase } from './db.js';

let t: MigratedDatabase;
beforeAll(async () => {
  t = await migratedDatabase();
});
afterAll(async () => {
  await t?.close();
});

/** A real gate on the real store, counting the senders it is asked to judge. */
function countingGate() {
  const gate = new ModerationGate(t.db);
  const judged: string[] = [];
  const admit = gate.admit.bind(gate);
  gate.admit = (message) => {
    judged.push(message.author.user_id);
    return admit(message);
  };
  return { gate, judged };
}

describe('the moderation gate on the append path', () => {
  it('judges only senders the append statement sends back (slow mode, bans, mutes): an unmoderated message is one statement', async () => {
    const bus = createMemoryBus();
    const appender = createMessageAppender(t.db, bus, createMetrics({ service: 'api', instanceId: 'gate-test', collectDefault: false }));
    const { gate, judged } = countingGate();
    const append = moderated(appender, gate);
    await insertRoom(t.db, { room_id: 'gate-open', name: 'open', description: '', category: 'general' });
    const [alice, mallory] = await Promise.all(['alice', 'mallory'].map((user_id) => insertSession(t.db, { user_id, ttl_ms: 600_000 })));
    await t.db
      .insertInto('room_mutes')
      .values({ room_id: 'gate-open', user_id: 'mallory', until: new Date(Date.now() + 60_000) })
      .execute();
    const send = (session: { session_id: string; user_id: string }, n: number) =>
      append.append(
        fromSocket({
          room_id: 'gate-open',
          session_id: session.session_id,
          user_id: session.user_id,
          content: `m${n}`,
          client_msg_id: `${session.user_id}-${n}`,
        }),
      );

    for (let n = 0; n < 5; n++) await send(alice!, n);
    expect(judged).toEqual([]);
    await expect(send(mallory!, 0)).rejects.toMatchObject({ data: { error_code: 'PERMISSION_DENIED' } });
    expect(judged).toEqual(['mallory']);

    // Slow mode sends everyone's messages to the gate, which lets the first through and refuses the next.
    await t.db.updateTable('rooms').set({ slow_mode_seconds: 30 }).where('room_id', '=', 'gate-open').execute();
    await expect(send(alice!, 5)).resolves.toMatchObject({ message: { seq: 6 } });
    await expect(send(alice!, 6)).rejects.toMatchObject({ data: { error_code: 'RATE_LIMIT_EXCEEDED' } });
    expect(judged).toEqual(['mallory', 'alice', 'alice']);
    // A retry of a stored message is its duplicate before anything else: no judging.
    await expect(send(alice!, 5)).resolves.toMatchObject({ duplicate: true, message: { seq: 6 } });
    expect(judged).toHaveLength(3);
  });

  it('never lets a message skip its judging by sharing a batch with an event', async () => {
    const bus = createMemoryBus();
    const appender = createMessageAppender(t.db, bus, createMetrics({ service: 'api', instanceId: 'gate-test-2', collectDefault: false }));
    const append = moderated(appender, new ModerationGate(t.db));
    await insertRoom(t.db, { room_id: 'gate-mixed', name: 'mixed', description: '', category: 'general' });
    const [alice, mallory] = await Promise.all(['alice', 'mallory'].map((user_id) => insertSession(t.db, { user_id, ttl_ms: 600_000 })));
    await t.db.insertInto('room_bans').values({ room_id: 'gate-mixed', user_id: 'mallory' }).execute();
    const author = (s: { session_id: string; user_id: string }) => ({ user_id: s.user_id, session_id: s.session_id });
    const first = await append.append({ room_id: 'gate-mixed', author: author(alice!), content: 'hi', client_msg_id: 'a1' });
    // Queued together behind a batch in flight: a reaction, then the banned sender's message.
    const [, reaction, banned] = await Promise.allSettled([
      append.append({ room_id: 'gate-mixed', author: author(alice!), content: 'again', client_msg_id: 'a2' }),
      append.appendEvent({
        type: 'reaction_added',
        room_id: 'gate-mixed',
        author: author(alice!),
        message_id: first.message.message_id,
        emoji: '👍',
        client_msg_id: 'r1',
      }),
      append.append({ room_id: 'gate-mixed', author: author(mallory!), content: 'spam', client_msg_id: 'm1' }),
    ]);
    expect(reaction.status).toBe('fulfilled');
    expect(banned).toMatchObject({ status: 'rejected', reason: { data: { error_code: 'PERMISSION_DENIED' } } });
    const stored = await t.db.selectFrom('messages').select('user_id').where('room_id', '=', 'gate-mixed').execute();
    expect(stored.map((m) => m.user_id)).toEqual(['alice', 'alice']);
  });
});
