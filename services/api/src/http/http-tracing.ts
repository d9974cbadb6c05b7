import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ErrorData } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const tracer = trace.getTracer('@parley/api');
const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A span per HTTP request (continuing a caller's W3C `traceparent`), named by route pattern; its
 * trace id goes back in the `x-trace-id` response header. The handler runs inside the span, so
 * bus requests, logs and errors join the trace. Without a registered SDK every span is a no-op
 * and no header is sent.
 */
export function traceHttp(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    spans.set(request, span);
    done();
  });
  // onSend, not earlier: fastify drops headers set before an error is handled.
  app.addHook('onSend', async (request, reply) => {
    const span = spans.get(request);
    if (span && isSpanContextValid(span.spanContext())) void reply.header('x-trace-id', span.spanContext().traceId);
  });
  // After body parsing: the async context of a streamed body is not the request's, so enter here.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (!span) return done();
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

/** `body` with the request's trace id in `details.trace_id` (when traced), so a bug report leads to the trace. */
export function withTraceId(request: FastifyRequest, body: ErrorData): ErrorData {
  const span = spans.get(request);
  if (!span || !isSpanContextValid(span.spanContext())) return body;
  return { ...body, details: { ...body.details, trace_id: span.spanContext().traceId } };
}
