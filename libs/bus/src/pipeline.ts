import type { ZodError, ZodType } from 'zod';

import { BusHandlerError, BusRequestError, BusValidationError, type BusErrorData, type BusIssue } from './errors.js';
import type { BusLogger } from './logger.js';
import type { BusReply, Endpoint, MessageHandler, RequestHandler } from './types.js';

/**
 * What happens to a message on either side of the wire, shared by the NATS and the in-memory bus
 * so the two cannot drift: JSON encoding, validation, handler isolation and the reply envelope.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Returned instead of a value when a message was invalid (and already logged). */
export const INVALID: unique symbol = Symbol('invalid');

export function issuesOf(error: ZodError): BusIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '$', message: issue.message }));
}

/** NATS's default `max_payload` (1 MiB): the in-memory bus enforces it too. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;

/**
 * Validates an outgoing payload and encodes what the schema output (unknown keys stripped).
 * Throws {@link BusValidationError} if it fails the schema or its encoding exceeds `maxBytes`.
 */
export function encodeOutbound<T>(schema: ZodType<T>, payload: T, subject: string, maxBytes: number): Uint8Array {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new BusValidationError(subject, issuesOf(parsed.error));
  const data = encoder.encode(JSON.stringify(parsed.data));
  if (data.length > maxBytes) {
    throw new BusValidationError(subject, [{ path: '$', message: `${data.length} bytes exceed the ${maxBytes}-byte max payload` }]);
  }
  return data;
}

function decodeInbound<T>(schema: ZodType<T>, data: Uint8Array): { value: T } | { issues: BusIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch {
    return { issues: [{ path: '$', message: 'not JSON' }] };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { value: parsed.data } : { issues: issuesOf(parsed.error) };
}

/** Parses one received message and runs the handler; logs and swallows every failure. */
export async function deliver<T>(schema: ZodType<T>, handler: MessageHandler<T>, data: Uint8Array, subject: string, logger: BusLogger): Promise<void> {
  const decoded = decodeInbound(schema, data);
  if (!('value' in decoded)) {
    logger.warn({ subject, bytes: data.length, issues: decoded.issues }, 'bus: dropped invalid message');
    return;
  }
  try {
    await handler(decoded.value, { subject });
  } catch (err) {
    logger.error({ err, subject }, 'bus: subscription handler failed; continuing with the next message');
  }
}

const INTERNAL: BusErrorData = Object.freeze({ error_code: 'INTERNAL_ERROR', error_message: 'Internal error' });

/**
 * Validates one request, runs the handler and returns the encoded reply envelope (at most
 * `maxBytes`; a larger one is logged and replaced by INTERNAL_ERROR). Never throws.
 */
export async function answer<Req, Res>(
  endpoint: Endpoint<Req, Res>,
  handler: RequestHandler<Req, Res>,
  data: Uint8Array,
  logger: BusLogger,
  maxBytes: number,
): Promise<Uint8Array> {
  const subject = endpoint.subject;
  const decoded = decodeInbound(endpoint.request, data);
  if (!('value' in decoded)) {
    const first = decoded.issues[0];
    logger.debug({ subject, issues: decoded.issues }, 'bus: rejected invalid request');
    return encodeReply({
      ok: false,
      error: {
        error_code: 'VALIDATION_ERROR',
        error_message: 'Invalid request',
        details: first ? { field: first.path, issue: first.message } : undefined,
      },
    });
  }
  let result: Res;
  try {
    result = await handler(decoded.value, { subject });
  } catch (err) {
    if (err instanceof BusHandlerError) return encodeReply({ ok: false, error: err.data });
    logger.error({ err, subject }, 'bus: request handler failed');
    return encodeReply({ ok: false, error: INTERNAL });
  }
  const reply = endpoint.reply.safeParse({ ok: true, data: result });
  if (!reply.success) {
    logger.error({ subject, issues: issuesOf(reply.error) }, 'bus: request handler returned an invalid reply');
    return encodeReply({ ok: false, error: INTERNAL });
  }
  const encoded = encodeReply(reply.data);
  if (encoded.length <= maxBytes) return encoded;
  logger.error({ subject, bytes: encoded.length, maxBytes }, 'bus: reply exceeds the max payload');
  return encodeReply({ ok: false, error: INTERNAL });
}

function encodeReply(reply: BusReply<unknown>): Uint8Array {
  return encoder.encode(JSON.stringify(reply));
}

/** Decodes the reply to `request()`: the data, or a {@link BusRequestError}. */
export function readReply<Req, Res>(endpoint: Endpoint<Req, Res>, data: Uint8Array): Res {
  const decoded = decodeInbound(endpoint.reply, data);
  const subject = endpoint.subject;
  if (!('value' in decoded)) {
    const issues = decoded.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw new BusRequestError('invalid_reply', subject, `invalid reply from ${subject}: ${issues}`);
  }
  const reply = decoded.value;
  if (reply.ok) return reply.data;
  const { error_code, error_message } = reply.error;
  throw new BusRequestError('remote', subject, `${subject} failed: ${error_code}: ${error_message}`, reply.error);
}

/** Decodes one reply of `gather()`; an invalid one is logged and skipped. */
export function readGatherReply<Req, Res>(endpoint: Endpoint<Req, Res>, data: Uint8Array, logger: BusLogger): BusReply<Res> | typeof INVALID {
  const decoded = decodeInbound(endpoint.reply, data);
  if ('value' in decoded) return decoded.value;
  const { subject } = endpoint;
  logger.warn({ subject, bytes: data.length, issues: decoded.issues }, 'bus: dropped invalid gather reply');
  return INVALID;
}

export function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  }
}
