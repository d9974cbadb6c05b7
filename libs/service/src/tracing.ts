import { context, propagation, trace } from '@opentelemetry/api';

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers OpenTelemetry globally for this process when `endpoint` is set: spans batched to the
 * OTLP/HTTP collector at `endpoint` (`/v1/traces` appended by the exporter), context kept per async
 * operation, W3C trace context propagated (HTTP headers, NATS headers). Without an endpoint nothing
 * is registered, nor even loaded (the SDK and exporter take ~250 ms to import): the
 * `@opentelemetry/api` calls in the code stay no-ops and no ids are made.
 */
export async function startTracing(options: { service: string; instanceId: string; endpoint: string | undefined }): Promise<Tracing | undefined> {
  if (options.endpoint === undefined) return undefined;
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BasicTracerProvider, BatchSpanProcessor },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `parley-${options.service}`, 'service.instance.id': options.instanceId }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: new URL('v1/traces', withSlash(options.endpoint)).toString() }))],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return { shutdown: () => provider.shutdown() };
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);
