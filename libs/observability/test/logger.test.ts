import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../src/index.js';

const MARKER = 'SECRET_MARKER';

function memoryLogger(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({ service: 'gateway', instanceId: 'gw-1', destination: { write: (line) => lines.push(line) }, ...options });
  const output = () => lines.join('');
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, output, records };
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** Shaped like the FastifyRequest fastify logs as `req` in "incoming request". */
const fastifyLikeRequest = {
  id: 'req-1',
  method: 'GET',
  url: `/ws/chat/general/?token=${MARKER}&room_id=general`,
  host: 'chat.example:443',
  ip: '203.0.113.7',
  headers: {
    host: 'chat.example:443',
    authorization: `Bearer ${MARKER}`,
    cookie: `sid=${MARKER}`,
    'sec-websocket-protocol': `parley.v1, ${MARKER}`,
  },
  socket: { remoteAddress: '10.0.0.2', remotePort: 51_234 },
};

describe('createLogger', () => {
  it('writes JSON lines with service, instance, level name and ISO time', () => {
    const { logger, records } = memoryLogger();
    logger.info({ room: 'general' }, 'hello');
    const [line] = records();
    expect(line).toMatchObject({ level: 'info', service: 'gateway', instance: 'gw-1', room: 'general', msg: 'hello' });
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).not.toHaveProperty('pid');
  });

  it('respects the level', () => {
    const { logger, records } = memoryLogger({ level: 'warn' });
    logger.info('dropped');
    logger.warn('kept');
    expect(records().map((r) => r.msg)).toEqual(['kept']);
  });

  it('never writes a token from a logged request, but keeps the path and the other fields', () => {
    const { logger, output, records } = memoryLogger();
    logger.child({ reqId: 'req-1' }).info({ req: fastifyLikeRequest }, 'incoming request');
    expect(count(output(), MARKER)).toBe(0);
    expect(records()[0]?.req).toEqual({
      id: 'req-1',
      method: 'GET',
      url: '/ws/chat/general/?token=[REDACTED]&room_id=general',
      host: 'chat.example:443',
      remoteAddress: '203.0.113.7',
      remotePort: 51_234,
    });
  });

  it('serializes a bare Node request (no ip, no host) from its socket and Host header', () => {
    const { logger, records } = memoryLogger();
    const { ip: _ip, host: _host, id: _id, ...nodeRequest } = fastifyLikeRequest;
    logger.info({ req: nodeRequest, res: { statusCode: 101, getHeaders: () => ({}) } }, 'upgrade');
    const [line] = records();
    expect(line?.req).toMatchObject({ host: 'chat.example:443', remoteAddress: '10.0.0.2', remotePort: 51_234 });
    expect(line?.res).toEqual({ statusCode: 101 });
  });

  it('redacts credentials in common fields and headers wherever they are logged', () => {
    const { logger, output, records } = memoryLogger();
    logger.info({ token: MARKER, user: { id: 'u1', password: MARKER }, body: { access_token: MARKER, jwt: MARKER } }, 'a');
    logger.info({ headers: fastifyLikeRequest.headers }, 'b');
    logger.info({ request: { headers: fastifyLikeRequest.headers } }, 'c');
    logger.info({ reply: { headers: { 'set-cookie': `sid=${MARKER}` } }, secret: MARKER, ticket: MARKER }, 'd');
    expect(count(output(), MARKER)).toBe(0);
    const [a, b] = records();
    expect(a).toMatchObject({ token: '[REDACTED]', user: { id: 'u1', password: '[REDACTED]' } });
    expect(b?.headers).toMatchObject({ host: 'chat.example:443', authorization: '[REDACTED]' });
  });

  it('does not alter the object it was given', () => {
    const { logger } = memoryLogger();
    const fields = { token: MARKER, req: fastifyLikeRequest };
    logger.info(fields, 'x');
    expect(fields.token).toBe(MARKER);
    expect(fields.req.url).toContain(MARKER);
  });

  it('serializes errors with their stack', () => {
    const { logger, records } = memoryLogger();
    logger.error({ err: new Error('boom') }, 'failed');
    expect(records()[0]?.err).toMatchObject({ type: 'Error', message: 'boom', stack: expect.stringContaining('boom') });
  });
});
