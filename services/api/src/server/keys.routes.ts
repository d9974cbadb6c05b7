import { ApiKeyInfoSchema, HttpErrorBodySchema } from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiDeps } from '../deps.js';
import { listApiKeys } from './api-keys.js';
import { requireScope } from './key-auth.js';

export const SERVER_API_TAG = 'server';
export const serverErrors = { 401: HttpErrorBodySchema, 403: HttpErrorBodySchema, 429: HttpErrorBodySchema };
/** Every server-API operation takes an API key, as a Bearer or in X-Api-Key (see app.ts's security schemes). */
export const serverSecurity: Record<string, string[]>[] = [{ apiKeyBearer: [] }, { apiKeyHeader: [] }];

/** Keys are created and revoked with the CLI (`npm run apikey`); an admin key may list them. */
export const keyRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { db }) => {
  app.get(
    '/api/server/keys/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'The API keys (never their secrets), revoked ones included',
        security: serverSecurity,
        response: { 200: z.object({ keys: z.array(ApiKeyInfoSchema) }), ...serverErrors },
      },
    },
    async () => ({ keys: await listApiKeys(db) }),
  );
};
