// Webhooks: create (the secret in that answer only), list, read, change, delete; the delivery
// log of each, and a redelivery. An admin of the webhook's environment manages it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { actorOf, authorize } from '../../access/authorization.ts';
import { errorResponses, Strict } from '../../schema.ts';
import {
  CreatedWebhookSchema,
  CreateWebhookBody,
  DeliveryPageSchema,
  DeliveryQuery,
  DeliverySchema,
  PatchWebhookBody,
  WebhookListSchema,
  WebhookSchema,
} from '../../webhooks/webhook-schemas.ts';
import { EnvironmentQuery, environmentNamed } from '../http.ts';

const WebhookParams = Strict({ id: Type.String({ format: 'uuid' }) });
const DeliveryParams = Strict({
  id: Type.String({ format: 'uuid' }),
  deliveryId: Type.String({ format: 'uuid' }),
});

const webhooks: FastifyPluginAsyncTypebox = async (app) => {
  /** The webhook, once the caller is known to be an admin of its environment. */
  const webhookFor = async (request: FastifyRequest, id: string) => {
    const webhook = await app.webhooks.get(id);
    authorize(request.principal, 'admin', webhook.environment);
    return webhook;
  };

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Create a webhook: an environment's changes are POSTed to its URL, signed; the secret is in this response only",
        description:
          'kinds: actions as audit events record them (flag.updated), flag.* or segment.*, or * (the default). 400 INVALID_WEBHOOK_URL for a URL that is not http or https.',
        querystring: EnvironmentQuery,
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const { environment: requested, ...input } = request.body;
      const environment = request.environmentFor(environmentNamed(request.query.environment, requested));
      const webhook = await app.webhooks.create(environment, input, actorOf(request.principal));
      return reply.code(201).header('cache-control', 'no-store').send(webhook);
    },
  );

  app.get(
    '/webhooks',
    {
      schema: {
        tags: ['admin'],
        summary: "An environment's webhooks, without their secrets",
        querystring: EnvironmentQuery,
        response: { 200: WebhookListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const environment = request.environmentFor(request.query.environment);
      return { webhooks: await app.webhooks.list(environment) };
    },
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'A webhook, without its secret',
        params: WebhookParams,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => webhookFor(request, request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Change a webhook's URL, kinds or format, or disable it (its changes wait) and enable it again",
        params: WebhookParams,
        body: PatchWebhookBody,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const webhook = await webhookFor(request, request.params.id);
      return app.webhooks.update(webhook.id, request.body, actorOf(request.principal));
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a webhook and its delivery log: nothing more is sent to it',
        params: WebhookParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const webhook = await webhookFor(request, request.params.id);
      await app.webhooks.remove(webhook.id, actorOf(request.principal));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['admin'],
        summary: "A webhook's delivery log, newest first, a page at a time",
        params: WebhookParams,
        querystring: DeliveryQuery,
        response: { 200: DeliveryPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const webhook = await webhookFor(request, request.params.id);
      return app.webhooks.deliveries(webhook.id, request.query);
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Send a logged delivery again now, with a fresh signature; answers with the delivery as that attempt left it',
        params: DeliveryParams,
        response: { 200: DeliverySchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const webhook = await webhookFor(request, request.params.id);
      return app.webhooks.redeliver(webhook, request.params.deliveryId, actorOf(request.principal));
    },
  );
};

export default webhooks;
