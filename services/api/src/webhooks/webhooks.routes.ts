import {
  CreateWebhookBodySchema,
  DeadLetterIdParamsSchema,
  DeadLetterListSchema,
  HttpErrorBodySchema,
  WebhookIdParamsSchema,
  WebhookListSchema,
  WebhookSchema,
} from '@parley/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../http/api-error.js';
import { requireScope } from '../server/key-auth.js';
import { SERVER_API_TAG, serverErrors } from '../server/keys.routes.js';
import { findEndpoint, listDeadLetters, listEndpoints, toWebhook } from './webhooks.repository.js';
import type { WebhookEngine } from './webhooks.js';

const security: Record<string, string[]>[] = [{ apiKeyBearer: [] }, { apiKeyHeader: [] }];
const errors = { ...serverErrors, 400: HttpErrorBodySchema, 404: HttpErrorBodySchema, 503: HttpErrorBodySchema };
const DEAD_LETTER_PAGE = 100;

/** `/api/server/webhooks/`: a deployment's endpoints and their dead letters; `admin` keys only. */
export const webhookRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { db, webhooks }) => {
  const engine = (): WebhookEngine => {
    if (webhooks) return webhooks;
    throw new ApiError('SERVICE_UNAVAILABLE', 'Webhooks are off in this deployment (WEBHOOKS_ENABLED=false, or embedded mode without JetStream)');
  };
  const existing = async (webhookId: string) => {
    const row = await findEndpoint(db, webhookId);
    if (!row) throw new ApiError('NOT_FOUND', `No webhook '${webhookId}'`);
    return row;
  };

  app.post(
    '/api/server/webhooks/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Register an endpoint: events of these types are POSTed to its URL, signed with its secret',
        description:
          'Each request carries one event `{id, type, timestamp, data}` and `Parley-Signature: t=<ms>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. ' +
          'At least once: de-duplicate by `id`. The endpoint hears events committed after it was registered.',
        security,
        body: CreateWebhookBodySchema,
        response: { 201: WebhookSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(toWebhook(await engine().create(request.body))),
  );

  app.get(
    '/api/server/webhooks/',
    {
      preHandler: requireScope('admin'),
      schema: { tags: [SERVER_API_TAG], summary: 'The registered endpoints (never their secrets)', security, response: { 200: WebhookListSchema, ...errors } },
    },
    async () => ({ webhooks: (await listEndpoints(db)).map(toWebhook) }),
  );

  app.delete(
    '/api/server/webhooks/:webhook_id/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Remove an endpoint, its pending deliveries and its dead letters',
        security,
        params: WebhookIdParamsSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await engine().remove(request.params.webhook_id))) throw new ApiError('NOT_FOUND', `No webhook '${request.params.webhook_id}'`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/server/webhooks/:webhook_id/dead-letters/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: `Events this endpoint never accepted within the redelivery limit, oldest first (at most ${DEAD_LETTER_PAGE})`,
        security,
        params: WebhookIdParamsSchema,
        response: { 200: DeadLetterListSchema, ...errors },
      },
    },
    async (request) => {
      await existing(request.params.webhook_id);
      return { dead_letters: await listDeadLetters(db, request.params.webhook_id, DEAD_LETTER_PAGE) };
    },
  );

  app.post(
    '/api/server/webhooks/:webhook_id/dead-letters/:dead_letter_id/replay/',
    {
      preHandler: requireScope('admin'),
      schema: {
        tags: [SERVER_API_TAG],
        summary: 'Deliver a dead letter again (the same event id, a fresh set of attempts); the record goes',
        security,
        params: WebhookIdParamsSchema.extend(DeadLetterIdParamsSchema.shape),
        response: { 202: z.object({ replayed: z.literal(true) }), ...errors },
      },
    },
    async (request, reply) => {
      const { webhook_id, dead_letter_id } = request.params;
      await existing(webhook_id);
      if (!(await engine().replay(webhook_id, dead_letter_id)))
        throw new ApiError('NOT_FOUND', `No dead letter '${dead_letter_id}' of webhook '${webhook_id}'`);
      return reply.status(202).send({ replayed: true as const });
    },
  );
};
