import type { ZodType } from 'zod';

import { BusSubjectError } from './errors.js';
import type { BusReply, Endpoint, Topic, TopicPattern } from './types.js';

/**
 * Low-level constructors of topics and endpoints, with subject syntax checks. Services never call
 * these: they use the catalogue in `subjects.ts`, which is the only place subjects are spelled.
 * Not exported from the package index (tests of this lib import it directly).
 */

/** One literal subject token: no dots, wildcards or whitespace. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

function fail(what: string, value: string): never {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  throw new BusSubjectError(`invalid ${what}: ${JSON.stringify(shown)}`);
}

/** Asserts `subject` is dot-separated literal tokens (no wildcards); returns it. */
export function literalSubject(subject: string, what = 'subject'): string {
  if (!subject.split('.').every((token) => TOKEN.test(token))) fail(what, subject);
  return subject;
}

/** Asserts `subject` is a valid pattern: literal tokens, `*` tokens, and at most a final `>`. */
function patternSubject(subject: string): string {
  const tokens = subject.split('.');
  const ok = tokens.every((token, i) => TOKEN.test(token) || token === '*' || (token === '>' && i === tokens.length - 1));
  if (!ok || !tokens.some((token) => token === '*' || token === '>')) fail('subject pattern', subject);
  return subject;
}

export function defineTopic<T>(subject: string, schema: ZodType<T>, queue?: string): Topic<T> {
  return Object.freeze({ kind: 'topic', subject: literalSubject(subject), schema, queue: checkQueue(queue) });
}

export function defineTopicPattern<T>(subject: string, schema: ZodType<T>, queue?: string): TopicPattern<T> {
  return Object.freeze({ kind: 'pattern', subject: patternSubject(subject), schema, queue: checkQueue(queue) });
}

export function defineEndpoint<Req, Res>(subject: string, request: ZodType<Req>, reply: ZodType<BusReply<Res>>, queue?: string): Endpoint<Req, Res> {
  return Object.freeze({ kind: 'endpoint', subject: literalSubject(subject), request, reply, queue: checkQueue(queue) });
}

function checkQueue(queue: string | undefined): string | undefined {
  if (queue !== undefined && !TOKEN.test(queue)) fail('queue group', queue);
  return queue;
}

/** The queue group a subscription joins: the caller's choice, else the catalogue's default. */
export function queueFor(defaultQueue: string | undefined, chosen: string | null | undefined): string | undefined {
  if (chosen === undefined) return defaultQueue;
  if (chosen === null) return undefined;
  return checkQueue(chosen);
}

/**
 * Maps logical subjects to wire subjects and back for one bus. With prefix `p`, `a.b` ⇄ `p.a.b`.
 */
export interface SubjectSpace {
  readonly prefix: string | undefined;
  toWire(subject: string): string;
  /** The logical subject of a wire subject this bus subscribed to. */
  fromWire(subject: string): string;
}

export function subjectSpace(prefix: string | undefined): SubjectSpace {
  if (prefix === undefined) {
    return { prefix, toWire: (s) => s, fromWire: (s) => s };
  }
  literalSubject(prefix, 'subject prefix');
  const head = `${prefix}.`;
  return {
    prefix,
    toWire: (s) => head + s,
    fromWire: (s) => (s.startsWith(head) ? s.slice(head.length) : s),
  };
}

/** NATS subject matching: `*` matches one token, a final `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length || (token !== '*' && token !== s[i])) return false;
  }
  return p.length === s.length;
}
