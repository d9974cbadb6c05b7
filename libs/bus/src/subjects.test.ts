import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ZodType } from 'zod';

import type { InstanceHealth, RoomEvent, SessionInfo } from '@parley/protocol';

import { BusSubjectError } from './errors.js';
import { QUEUE_GROUPS, subjects } from './subjects.js';
import type { Endpoint, Topic, TopicPattern } from './types.js';

/** Every catalogue builder that takes an id, with a valid id. */
const BUILDERS: Record<string, (id: string) => Topic<unknown> | TopicPattern<unknown> | Endpoint<unknown, unknown>> = {
  chatRoom: (id) => subjects.chatRoom(id),
};

const BAD_IDS = ['a.b', '*', '>', 'A', '', 'a'.repeat(65), 'room 1', 'room\t1', 'général', '-lead', '_lead', 'a.>', 'x*'];

describe('subjects catalogue', () => {
  for (const [name, build] of Object.entries(BUILDERS)) {
    describe(name, () => {
      it.each(BAD_IDS)('rejects %j', (id) => {
        expect(() => build(id)).toThrow(BusSubjectError);
      });

      it('accepts slugs up to 64 characters', () => {
        for (const id of ['general', '0', 'a_b-c', 'a'.repeat(64)]) expect(build(id).subject).toMatch(new RegExp(`\\.${id}$`));
      });

      it('rejects a non-string smuggled past the types', () => {
        expect(() => build(42 as unknown as string)).toThrow(BusSubjectError);
      });
    });
  }

  it('chatRoom builds chat.room.<id> with the room event schema and no queue group', () => {
    const topic = subjects.chatRoom('general');
    expect(topic).toMatchObject({ kind: 'topic', subject: 'chat.room.general', queue: undefined });
    expectTypeOf(topic).toEqualTypeOf<Topic<RoomEvent>>();
    expect(subjects.chatRoomWildcard()).toMatchObject({ kind: 'pattern', subject: 'chat.room.*' });
  });

  it('builds a room topic once and hands the same frozen topic to every publish', () => {
    const topic = subjects.chatRoom('memo-room');
    expect(subjects.chatRoom('memo-room')).toBe(topic);
    expect(Object.isFrozen(topic)).toBe(true);
    expect(subjects.chatRoom('memo-room-2')).not.toBe(topic);
  });

  it('spells every subject once, each a valid literal subject, with the intended queue groups', () => {
    const fixed = {
      resolveSession: subjects.api.resolveSession,
      roomAccess: subjects.api.roomAccess,
      appendMessage: subjects.api.appendMessage,
      statsReport: subjects.api.statsReport,
      sessionControl: subjects.sessionControl,
      presenceEvents: subjects.presenceEvents,
      presenceCounts: subjects.presence.counts,
      presenceRoom: subjects.presence.room,
      presenceUser: subjects.presence.user,
      healthProbe: subjects.healthProbe,
    };
    const names = Object.values(fixed).map((t) => t.subject);
    expect(new Set(names).size).toBe(names.length);
    for (const s of names) expect(s).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
    expect(Object.fromEntries(Object.entries(fixed).map(([k, t]) => [k, t.queue]))).toEqual({
      resolveSession: QUEUE_GROUPS.api,
      roomAccess: QUEUE_GROUPS.api,
      appendMessage: QUEUE_GROUPS.api,
      statsReport: QUEUE_GROUPS.api,
      sessionControl: undefined, // every gateway hears it
      presenceEvents: QUEUE_GROUPS.presence,
      presenceCounts: QUEUE_GROUPS.presence,
      presenceRoom: QUEUE_GROUPS.presence,
      presenceUser: QUEUE_GROUPS.presence,
      healthProbe: undefined, // scatter-gather: every instance answers
    });
    expect(subjects.chatRoom('x').subject.startsWith('chat.room.')).toBe(true);
  });

  it('types endpoints from the protocol schemas', () => {
    expectTypeOf(subjects.api.resolveSession).toExtend<Endpoint<unknown, SessionInfo>>();
    type HealthReply = { ok: true; data: InstanceHealth } | { ok: false; error: unknown };
    expectTypeOf(subjects.healthProbe.reply).toExtend<ZodType<HealthReply>>();
  });

  it('cannot be modified at runtime', () => {
    expect(Object.isFrozen(subjects)).toBe(true);
    expect(Object.isFrozen(subjects.api)).toBe(true);
    expect(Object.isFrozen(subjects.api.appendMessage)).toBe(true);
  });
});
