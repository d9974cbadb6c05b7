import * as z from 'zod';

import { defineEndpoint, defineTopic, defineTopicPattern } from '../src/define.js';
import type { BusLogger } from '../src/logger.js';

/** A logger that remembers what it was told, to assert that drops and failures are logged. */
export interface CapturingLogger extends BusLogger {
  readonly lines: { level: 'debug' | 'info' | 'warn' | 'error'; obj: object; msg: string }[];
  count(level: 'debug' | 'info' | 'warn' | 'error', msg?: string): number;
}

export function capturingLogger(): CapturingLogger {
  const lines: CapturingLogger['lines'] = [];
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (obj: object, msg: string): void => {
      lines.push({ level, obj, msg });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    count: (level, msg) => lines.filter((l) => l.level === level && (msg === undefined || l.msg.includes(msg))).length,
  };
}

// Test schemas: the contract must not depend on @parley/protocol's shapes.
export const NumSchema = z.object({ n: z.int() });
const ErrorShape = z.object({
  error_code: z.string(),
  error_message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
function reply<D extends z.ZodType>(data: D) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: ErrorShape })]);
}

export const numbers = defineTopic('t.numbers', NumSchema);
/** Same subject, looser schema: publishes what `numbers` subscribers must drop. */
export const looseNumbers = defineTopic('t.numbers', z.object({ n: z.unknown() }));
export const jobs = defineTopic('t.jobs', NumSchema, 'workers');
export const anyT = defineTopicPattern('t.*', NumSchema);
export const tA = defineTopic('t.a', NumSchema);
export const tB = defineTopic('t.b', NumSchema);
export const blobs = defineTopic('t.blobs', z.object({ s: z.string() }));

const EchoRequest = z.object({ text: z.string().min(1) });
const EchoReply = z.object({ text: z.string() });
export const echo = defineEndpoint('svc.echo', EchoRequest, reply(EchoReply), 'svc');
/** Same subject, looser schemas: sends requests and replies a strict side must reject. */
export const looseEcho = defineEndpoint('svc.echo', z.object({ text: z.unknown() }), reply(z.object({ text: z.unknown() })), 'svc');
export const probe = defineEndpoint('svc.probe', z.object({}), reply(z.object({ id: z.string() })));
/** Same subject, looser reply: a server that answers what `probe` callers must skip. */
export const looseProbe = defineEndpoint('svc.probe', z.object({}), reply(z.object({ id: z.unknown() })));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
