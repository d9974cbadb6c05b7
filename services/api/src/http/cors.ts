import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { SESSION_HEADER } from './caller.js';

/**
 * CORS for browser front ends on another origin (a Vite dev server on :5173, an app on its own
 * domain): preflights answered, exact origins only (`*` allows any). No credentials: REST is
 * authorized by a Bearer header, never by cookies, so no origin can ride a user's cookies.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  await app.register(cors, {
    origin: origins.includes('*') ? true : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization', SESSION_HEADER],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });
}
