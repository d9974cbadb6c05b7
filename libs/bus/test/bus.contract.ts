import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { BusClosedError, BusHandlerError, BusRequestError, BusValidationError } from '../src/errors.js';
import type { BusLogger } from '../src/logger.js';
import type { Bus, BusStatusEvent } from '../src/types.js';
import {
  anyT,
  blobs,
  capturingLogger,
  echo,
  jobs,
  looseEcho,
  looseNumbers,
  looseProbe,
  numbers,
  probe,
  range,
  sleep,
  tA,
  tB,
  type CapturingLogger,
} from './helpers.js';
import { uniqueId } from '@parley/testing';

/** What the contract needs from an implementation. */
export interface BusHarness {
  /** A new bus on the shared transport (for NATS: its own connection, like another process). */
  makeBus(options: { subjectPrefix: string; logger: BusLogger }): Promise<Bus>;
  /** Puts raw bytes on a wire subject, bypassing every check (a foreign or broken publisher). */
  publishRaw(wireSubject: string, data: Uint8Array): Promise<void>;
  /** Drains every bus made and closes what the harness opened. */
  close(): Promise<void>;
}

const WAIT = { timeout: 5_000, interval: 10 };
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * The behaviour every {@link Bus} implementation must have. Run against the in-memory bus and
 * against a real NATS server, so the fake cannot drift from the real thing.
 */
export function describeBusContract(name: string, makeHarness: () => Promise<BusHarness>): void {
  describe(`Bus contract: ${name}`, () => {
    let harness: BusHarness;
    let prefix: string;
    let log: CapturingLogger;
    const bus = (subjectPrefix = prefix): Promise<Bus> => harness.makeBus({ subjectPrefix, logger: log });

    beforeEach(async () => {
      harness = await makeHarness();
      prefix = uniqueId('bus');
      log = capturingLogger();
    });
    afterEach(async () => {
      await harness.close();
    });

    describe('publish / subscribe', () => {
      it('delivers every message on one subject in publish order', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: number[] = [];
        const contexts: string[] = [];
        await sub.subscribe(numbers, ({ n }, ctx) => {
          got.push(n);
          contexts.push(ctx.subject);
        }).ready;
        for (const n of range(200)) pub.publish(numbers, { n });
        await vi.waitFor(() => expect(got).toHaveLength(200), WAIT);
        expect(got).toEqual(range(200));
        expect(new Set(contexts)).toEqual(new Set(['t.numbers']));
      });

      it('handles a subscription’s messages one at a time', async () => {
        const [pub, sub] = [await bus(), await bus()];
        let active = 0;
        let maxActive = 0;
        const got: number[] = [];
        await sub.subscribe(numbers, async ({ n }) => {
          maxActive = Math.max(maxActive, ++active);
          await sleep(5);
          got.push(n);
          active--;
        }).ready;
        for (const n of range(10)) pub.publish(numbers, { n });
        await vi.waitFor(() => expect(got).toHaveLength(10), WAIT);
        expect(got).toEqual(range(10));
        expect(maxActive).toBe(1);
      });

      it('gives each message of a queue group to exactly one member', async () => {
        const [pub, w1, w2, tap] = [await bus(), await bus(), await bus(), await bus()];
        const one: number[] = [];
        const two: number[] = [];
        const all: number[] = [];
        await w1.subscribe(jobs, ({ n }) => void one.push(n)).ready; // catalogue default queue
        await w2.subscribe(jobs, ({ n }) => void two.push(n), { queue: 'workers' }).ready;
        await tap.subscribe(jobs, ({ n }) => void all.push(n), { queue: null }).ready; // opts out
        for (const n of range(60)) pub.publish(jobs, { n });
        await vi.waitFor(() => expect(one.length + two.length).toBe(60), WAIT);
        await vi.waitFor(() => expect(all).toHaveLength(60), WAIT);
        await sleep(50); // nothing more arrives
        expect([...one, ...two].sort((a, b) => a - b)).toEqual(range(60));
        expect(one.length).toBeGreaterThan(0);
        expect(two.length).toBeGreaterThan(0);
        expect(all).toEqual(range(60));
      });

      it('drops an invalid or non-JSON message, logs it, and still delivers the next one', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: number[] = [];
        await sub.subscribe(numbers, ({ n }) => void got.push(n)).ready;
        pub.publish(looseNumbers, { n: 'not a number' });
        await harness.publishRaw(`${prefix}.t.numbers`, encode('{not json'));
        await harness.publishRaw(`${prefix}.t.numbers`, new Uint8Array());
        pub.publish(numbers, { n: 7 });
        await vi.waitFor(() => {
          expect(got).toEqual([7]);
          expect(log.count('warn', 'dropped invalid message')).toBe(3);
        }, WAIT);
        const dropped = log.lines.find((l) => l.msg.includes('dropped invalid message'));
        expect(dropped?.obj).toMatchObject({ subject: 't.numbers' });
      });

      it('logs a handler that throws or rejects and keeps the subscription going', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: number[] = [];
        await sub.subscribe(numbers, async ({ n }) => {
          got.push(n);
          if (n === 1) throw new Error('sync poison');
          if (n === 2) await Promise.reject(new Error('async poison'));
        }).ready;
        for (const n of [1, 2, 3]) pub.publish(numbers, { n });
        await vi.waitFor(() => expect(got).toEqual([1, 2, 3]), WAIT);
        expect(log.count('error', 'handler failed')).toBe(2);
      });

      it('matches wildcard patterns and tells the handler the unprefixed subject', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: string[] = [];
        await sub.subscribe(anyT, ({ n }, ctx) => void got.push(`${ctx.subject}=${n}`)).ready;
        pub.publish(tA, { n: 1 });
        pub.publish(tB, { n: 2 });
        await vi.waitFor(() => expect(got.sort()).toEqual(['t.a=1', 't.b=2']), WAIT);
      });

      it('rejects an invalid outgoing payload without sending it', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: unknown[] = [];
        await sub.subscribe(looseNumbers, (p) => void got.push(p)).ready;
        expect(() => pub.publish(numbers, { n: 1.5 })).toThrow(BusValidationError);
        // @ts-expect-error: the payload type follows the topic
        expect(() => pub.publish(numbers, { n: 'x' })).toThrow(BusValidationError);
        pub.publish(numbers, { n: 1 });
        await vi.waitFor(() => expect(got).toEqual([{ n: 1 }]), WAIT);
      });

      it('refuses a payload over the max payload (1 MiB by default), as NATS does', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: number[] = [];
        await sub.subscribe(blobs, ({ s }) => void got.push(s.length)).ready;
        expect(() => pub.publish(blobs, { s: 'x'.repeat(1_048_577) })).toThrow(BusValidationError);
        pub.publish(blobs, { s: 'x'.repeat(1_000_000) });
        await vi.waitFor(() => expect(got).toEqual([1_000_000]), WAIT);
      });

      it('stops delivery on unsubscribe and resolves closed', async () => {
        const [pub, sub, other] = [await bus(), await bus(), await bus()];
        const got: number[] = [];
        const seen: number[] = [];
        const handle = sub.subscribe(numbers, ({ n }) => void got.push(n));
        await handle.ready;
        await other.subscribe(numbers, ({ n }) => void seen.push(n)).ready;
        pub.publish(numbers, { n: 1 });
        await vi.waitFor(() => expect(got).toEqual([1]), WAIT);
        handle.unsubscribe();
        handle.unsubscribe(); // idempotent
        await handle.closed;
        pub.publish(numbers, { n: 2 });
        await vi.waitFor(() => expect(seen).toEqual([1, 2]), WAIT);
        await sleep(50);
        expect(got).toEqual([1]);
      });
    });

    describe('request / reply', () => {
      it('returns the reply data', async () => {
        const [client, server] = [await bus(), await bus()];
        const subjects: string[] = [];
        await server.serve(echo, ({ text }, ctx) => {
          subjects.push(ctx.subject);
          return { text: text.toUpperCase() };
        }).ready;
        await expect(client.request(echo, { text: 'hi' }, { timeoutMs: 2_000 })).resolves.toEqual({ text: 'HI' });
        expect(subjects).toEqual(['svc.echo']);
      });

      it('serves requests concurrently', async () => {
        const [client, server] = [await bus(), await bus()];
        let started = 0;
        let allStarted!: () => void;
        const barrier = new Promise<void>((resolve) => (allStarted = resolve));
        await server.serve(echo, async ({ text }) => {
          if (++started === 5) allStarted();
          await barrier; // one-at-a-time serving would never get past this
          return { text };
        }).ready;
        const replies = await Promise.all(range(5).map((i) => client.request(echo, { text: `m${i}` }, { timeoutMs: 3_000 })));
        expect(replies.map((r) => r.text)).toEqual(range(5).map((i) => `m${i}`));
      });

      it('propagates a BusHandlerError as a remote error with its code', async () => {
        const [client, server] = [await bus(), await bus()];
        const data = { error_code: 'ROOM_NOT_FOUND', error_message: 'No such room', details: { field: 'room_id' } };
        await server.serve(echo, () => {
          throw new BusHandlerError(data);
        }).ready;
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BusRequestError);
        expect(err).toMatchObject({ code: 'remote', subject: 'svc.echo', remote: data });
      });

      it('replies INTERNAL_ERROR with a generic message to any other failure, and logs it', async () => {
        const [client, server] = [await bus(), await bus()];
        await server.serve(echo, () => {
          throw new Error('database password is hunter2');
        }).ready;
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'remote', remote: { error_code: 'INTERNAL_ERROR', error_message: 'Internal error' } });
        expect(JSON.stringify((err as BusRequestError).remote)).not.toContain('hunter2');
        expect(log.count('error', 'request handler failed')).toBe(1);
      });

      it('replies INTERNAL_ERROR when the handler returns data that fails the reply schema', async () => {
        const [client, server] = [await bus(), await bus()];
        // @ts-expect-error: wrong reply type on purpose
        await server.serve(echo, () => ({ text: 42 })).ready;
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'remote', remote: { error_code: 'INTERNAL_ERROR' } });
        expect(log.count('error', 'invalid reply')).toBe(1);
      });

      it('validates requests: a bad one is answered VALIDATION_ERROR naming the field', async () => {
        const [client, server] = [await bus(), await bus()];
        const handler = vi.fn(({ text }: { text: string }) => ({ text }));
        await server.serve(echo, handler).ready;
        const err = await client.request(looseEcho, { text: 5 }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toMatchObject({
          code: 'remote',
          remote: { error_code: 'VALIDATION_ERROR', details: { field: 'text' } },
        });
        expect(handler).not.toHaveBeenCalled();
      });

      it('rejects with invalid_reply when the reply fails the endpoint’s schema', async () => {
        const [client, server] = [await bus(), await bus()];
        await server.serve(looseEcho, () => ({ text: 5 })).ready;
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BusRequestError);
        expect(err).toMatchObject({ code: 'invalid_reply' });
      });

      it('refuses an oversized request, and replaces an oversized reply by INTERNAL_ERROR', async () => {
        const [client, server] = [await bus(), await bus()];
        await server.serve(echo, () => ({ text: 'y'.repeat(1_048_577) })).ready;
        const big = client.request(echo, { text: 'x'.repeat(1_048_577) }, { timeoutMs: 2_000 });
        await expect(big).rejects.toBeInstanceOf(BusValidationError);
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'remote', remote: { error_code: 'INTERNAL_ERROR' } });
        expect(log.count('error', 'exceeds the max payload')).toBe(1);
      });

      it('rejects with timeout when no reply comes in time', async () => {
        const [client, server] = [await bus(), await bus()];
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        await server.serve(echo, async ({ text }) => {
          await held;
          return { text };
        }).ready;
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 100 }).catch((e: unknown) => e);
        release();
        expect(err).toBeInstanceOf(BusRequestError);
        expect(err).toMatchObject({ code: 'timeout', subject: 'svc.echo' });
      });

      it('rejects with no_responders at once when nobody serves the endpoint', async () => {
        const client = await bus();
        const started = Date.now();
        const err = await client.request(echo, { text: 'x' }, { timeoutMs: 3_000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BusRequestError);
        expect(err).toMatchObject({ code: 'no_responders' });
        expect(Date.now() - started).toBeLessThan(1_000);
      });

      it('rejects an invalid outgoing request without sending it', async () => {
        const [client, server] = [await bus(), await bus()];
        const handler = vi.fn(() => ({ text: '' }));
        await server.serve(echo, handler).ready;
        await expect(client.request(echo, { text: '' }, { timeoutMs: 500 })).rejects.toBeInstanceOf(BusValidationError);
        expect(handler).not.toHaveBeenCalled();
      });

      it('answers each request once across a queue group of servers', async () => {
        const [client, s1, s2] = [await bus(), await bus(), await bus()];
        const calls: string[] = [];
        await s1.serve(echo, ({ text }) => (calls.push(`1:${text}`), { text })).ready;
        await s2.serve(echo, ({ text }) => (calls.push(`2:${text}`), { text })).ready;
        await Promise.all(range(20).map((i) => client.request(echo, { text: `${i}` }, { timeoutMs: 2_000 })));
        await sleep(50);
        expect(calls).toHaveLength(20);
      });
    });

    describe('gather (scatter-gather)', () => {
      it('collects one reply from every server within maxWaitMs, errors included', async () => {
        const client = await bus();
        for (const id of ['a', 'b', 'c']) await (await bus()).serve(probe, () => ({ id })).ready;
        await (
          await bus()
        ).serve(probe, () => {
          throw new BusHandlerError({ error_code: 'INTERNAL_ERROR', error_message: 'degraded' });
        }).ready;
        const replies = await client.gather(probe, {}, { maxWaitMs: 500 });
        expect(replies).toHaveLength(4);
        const ids = replies.flatMap((r) => (r.ok ? [r.data.id] : []));
        expect(ids.sort()).toEqual(['a', 'b', 'c']);
        expect(replies.filter((r) => !r.ok)).toEqual([{ ok: false, error: { error_code: 'INTERNAL_ERROR', error_message: 'degraded' } }]);
      });

      it('stops at maxReplies', async () => {
        const client = await bus();
        for (const id of ['a', 'b', 'c']) await (await bus()).serve(probe, () => ({ id })).ready;
        const started = Date.now();
        const replies = await client.gather(probe, {}, { maxWaitMs: 3_000, maxReplies: 2 });
        expect(replies).toHaveLength(2);
        expect(Date.now() - started).toBeLessThan(2_000);
      });

      it('returns [] when nobody answers, without throwing', async () => {
        const client = await bus();
        const started = Date.now();
        await expect(client.gather(probe, {}, { maxWaitMs: 300 })).resolves.toEqual([]);
        expect(Date.now() - started).toBeLessThan(1_000);
      });

      it('skips and logs invalid replies', async () => {
        const client = await bus();
        await (await bus()).serve(probe, () => ({ id: 'ok' })).ready;
        await (await bus()).serve(looseProbe, () => ({ id: 1 })).ready;
        const replies = await client.gather(probe, {}, { maxWaitMs: 400 });
        expect(replies).toEqual([{ ok: true, data: { id: 'ok' } }]);
        expect(log.count('warn', 'invalid gather reply')).toBe(1);
      });
    });

    describe('drain and status', () => {
      it('delivers what was published before drain, then refuses new work', async () => {
        const [pub, sub] = [await bus(), await bus()];
        const got: number[] = [];
        await sub.subscribe(numbers, ({ n }) => void got.push(n)).ready;
        const events: BusStatusEvent[] = [];
        pub.onStatus((e) => events.push(e));
        expect(pub.isConnected()).toBe(true);
        for (const n of range(500)) pub.publish(numbers, { n });
        const drained = pub.drain();
        expect(pub.drain()).toBe(drained); // idempotent
        await drained;
        await vi.waitFor(() => expect(got).toHaveLength(500), WAIT);
        expect(got).toEqual(range(500));
        expect(pub.isConnected()).toBe(false);
        expect(events).toContainEqual({ type: 'closed' });
        expect(() => pub.publish(numbers, { n: 1 })).toThrow(BusClosedError);
        expect(() => pub.subscribe(numbers, () => {})).toThrow(BusClosedError);
        await expect(pub.request(echo, { text: 'x' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'disconnected' });
      });

      it('lets received messages and in-flight requests finish before resolving', async () => {
        const [client, server] = [await bus(), await bus()];
        const handled: number[] = [];
        const sub = server.subscribe(numbers, async ({ n }) => {
          await sleep(20);
          handled.push(n);
        });
        await sub.ready;
        let started!: () => void;
        const handlerStarted = new Promise<void>((resolve) => (started = resolve));
        await server.serve(echo, async ({ text }) => {
          started();
          await sleep(150);
          return { text };
        }).ready;
        for (const n of range(5)) client.publish(numbers, { n });
        const reply = client.request(echo, { text: 'late' }, { timeoutMs: 3_000 });
        await handlerStarted;
        await vi.waitFor(() => expect(handled.length).toBeGreaterThan(0), WAIT);
        await server.drain();
        expect(handled).toEqual(range(5));
        await expect(reply).resolves.toEqual({ text: 'late' });
        await sub.closed;
      });
    });

    it('isolates buses with different subject prefixes', async () => {
      const [mine, theirs] = [await bus(prefix), await bus(uniqueId('other'))];
      const mineGot: number[] = [];
      const theirsGot: number[] = [];
      await mine.subscribe(numbers, ({ n }) => void mineGot.push(n)).ready;
      await theirs.subscribe(numbers, ({ n }) => void theirsGot.push(n)).ready;
      await mine.serve(echo, ({ text }) => ({ text })).ready;
      mine.publish(numbers, { n: 1 });
      theirs.publish(numbers, { n: 2 });
      await vi.waitFor(() => expect(mineGot).toEqual([1]), WAIT);
      await vi.waitFor(() => expect(theirsGot).toEqual([2]), WAIT);
      await expect(theirs.request(echo, { text: 'x' }, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'no_responders' });
      await expect(theirs.gather(echo, { text: 'x' }, { maxWaitMs: 200 })).resolves.toEqual([]);
      await sleep(50);
      expect(mineGot).toEqual([1]);
      expect(theirsGot).toEqual([2]);
    });
  });
}
