import { redactUrl } from './redact-url.js';

/**
 * The parts of a request the `req` serializer reads: fastify's `FastifyRequest` and Node's
 * `IncomingMessage` both fit. Structural on purpose, so this lib does not depend on fastify.
 */
export interface RequestLike {
  readonly id?: unknown;
  readonly method?: string;
  readonly url?: string;
  /** fastify: the Host header (with port). */
  readonly host?: string;
  /** fastify: the client address, honouring `trustProxy`. */
  readonly ip?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly socket?: { readonly remoteAddress?: string; readonly remotePort?: number } | null;
}

/** What a request looks like in a log line. Never contains headers or credentials. */
export interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  host?: string;
  remoteAddress?: string;
  remotePort?: number;
}

/** The part of a reply the `res` serializer reads (fastify's `FastifyReply`, Node's `ServerResponse`). */
export interface ResponseLike {
  readonly statusCode?: number;
}

/**
 * Serializes a request for logging: id, method, host, client address and port, and the URL with
 * credentials removed by {@link redactUrl}. Headers are never included (Authorization, Cookie and
 * `Sec-WebSocket-Protocol` may carry tokens). Never throws: a non-object comes back as `{}`.
 */
export function serializeRequest(req: unknown): SerializedRequest {
  if (req === null || typeof req !== 'object') return {};
  const r = req as RequestLike;
  const host = typeof r.host === 'string' ? r.host : r.headers?.host;
  return {
    id: r.id,
    method: r.method,
    url: typeof r.url === 'string' ? redactUrl(r.url) : undefined,
    host: typeof host === 'string' ? host : undefined,
    remoteAddress: r.ip ?? r.socket?.remoteAddress,
    remotePort: r.socket?.remotePort,
  };
}

/** Serializes a reply for logging: its status code only. Never throws. */
export function serializeResponse(res: unknown): { statusCode?: number } {
  if (res === null || typeof res !== 'object') return {};
  return { statusCode: (res as ResponseLike).statusCode };
}

/**
 * pino serializers for the `req` and `res` keys fastify logs ("incoming request",
 * "request completed"). {@link createLogger} installs them; a fastify app given that logger as
 * `loggerInstance` keeps them (fastify lets the instance's serializers override its defaults,
 * whose `req` prints the raw URL, `?token=` included).
 */
export const requestSerializers = Object.freeze({
  req: serializeRequest,
  res: serializeResponse,
});
