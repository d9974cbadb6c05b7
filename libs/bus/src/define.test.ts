import { describe, expect, it } from 'vitest';
import * as z from 'zod';

import { defineTopic, defineTopicPattern, queueFor, subjectMatches, subjectSpace } from './define.js';
import { BusSubjectError } from './errors.js';

const S = z.object({});

describe('subject syntax', () => {
  it.each(['', 'a..b', '.a', 'a.', 'a b', 'a.*', 'a.>', 'a\nb', 'é'])('defineTopic rejects %j', (subject) => {
    expect(() => defineTopic(subject, S)).toThrow(BusSubjectError);
  });

  it.each(['a.>.b', 'a.b', '*x', 'a.**'])('defineTopicPattern rejects %j', (subject) => {
    expect(() => defineTopicPattern(subject, S)).toThrow(BusSubjectError);
  });

  it('rejects bad queue group names', () => {
    expect(() => defineTopic('a.b', S, 'q.1')).toThrow(BusSubjectError);
    expect(() => queueFor(undefined, 'a b')).toThrow(BusSubjectError);
  });

  it('picks the caller’s queue group, else the default; null opts out', () => {
    expect(queueFor('d', undefined)).toBe('d');
    expect(queueFor('d', 'mine')).toBe('mine');
    expect(queueFor('d', null)).toBeUndefined();
  });

  it.each(['', 'a.', 'a.*', 'a >', '>'])('rejects subject prefix %j', (prefix) => {
    expect(() => subjectSpace(prefix)).toThrow(BusSubjectError);
  });

  it('prefixes and unprefixes subjects', () => {
    const space = subjectSpace('test_1.tenant');
    expect(space.toWire('chat.room.a')).toBe('test_1.tenant.chat.room.a');
    expect(space.fromWire('test_1.tenant.chat.room.a')).toBe('chat.room.a');
    expect(subjectSpace(undefined).toWire('a.b')).toBe('a.b');
  });

  it('matches like NATS', () => {
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.*', 'a')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('*.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.b', 'a.c')).toBe(false);
  });
});
