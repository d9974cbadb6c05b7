import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/**
 * W3C trace context over NATS message headers (`traceparent`, `tracestate`), through the global
 * OpenTelemetry API. With no SDK registered (no OTLP endpoint configured) the propagator writes
 * nothing, so messages carry no headers and tracing costs a function call per message.
 */
const tracer = trace.getTracer('@parley/bus');

/** Headers carrying the active trace context, or undefined when there is none to carry. */
export function traceHeaders(active: Context = context.active()): MsgHdrs | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const keys = Object.keys(carrier);
  if (keys.length === 0) return undefined;
  const h = natsHeaders();
  for (const key of keys) h.set(key, carrier[key]!);
  return h;
}

/** The trace context a message arrived with, or undefined when it carries none. */
export function remoteContext(h: MsgHdrs | undefined): Context | undefined {
  if (!h?.has('traceparent')) return undefined;
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) if (h.has(key)) carrier[key] = h.get(key);
  return propagation.extract(context.active(), carrier);
}

/** True inside a recorded span (never without a registered SDK). */
export const inTrace = (): boolean => trace.getActiveSpan()?.isRecording() ?? false;

/**
 * Runs `work` in a span named `name` (child of `parent`, or of the active context). The span
 * ends when `work` settles; a rejection marks it as an error.
 */
export async function inSpan<T>(name: string, kind: SpanKind, work: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes: { 'messaging.system': 'nats' } }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
