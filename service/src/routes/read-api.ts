// The read API internal services call on their hot path: one flag, or an environment's list
// with an ETag so an unchanged list costs a 304 and no body.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { type Flag, FlagKey, FlagListSchema, FlagSchema } from '../flags/flag-schemas.ts';
import type { Read } from '../flags/flag-service.ts';
import { allowCors } from '../plugins/cors.ts';
import { errorResponses, Strict } from '../schema.ts';
import { EnvironmentQuery, notModified, quoted, sendJson } from './http.ts';

/** Set when the answer is a cached copy served because the database could not be reached. */
export const STALE_HEADER = 'x-flagstone-cache';

function sendFlag(reply: FastifyReply, { value: flag, stale }: Read<Flag>) {
  reply.header('etag', quoted(flag.version));
  if (stale) reply.header(STALE_HEADER, 'stale');
  return sendJson(reply, flag);
}

const readApi: FastifyPluginAsyncTypebox = async (app) => {
  // CORS first: a browser's preflight carries no token.
  await allowCors(app);
  app.addHook('onRequest', app.requireToken('read'));

  app.get(
    '/flags/:flagKey',
    {
      schema: {
        tags: ['read'],
        summary: 'One flag; the ETag is its version',
        params: Strict({ flagKey: FlagKey }),
        querystring: EnvironmentQuery,
        response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404) },
      },
      // Answered by the fast path when it can (fast-path.ts).
      config: { hot: 'read' },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const read = await app.flags.getFlag(environment, request.params.flagKey);
      app.usage.counter.read(environment, read.value.key);
      return sendFlag(reply as FastifyReply, read);
    },
  );

  app.get(
    '/flags',
    {
      schema: {
        tags: ['read'],
        summary: "An environment's live flags; If-None-Match with the ETag answers 304 while nothing changed",
        querystring: EnvironmentQuery,
        response: { 200: FlagListSchema, 304: {}, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const { value: list, stale } = await app.flags.listFlags(environment);
      const etag = quoted(`${environment}-${list.revision}`);
      reply.header('cache-control', 'no-cache');
      if (stale) reply.header(STALE_HEADER, 'stale');
      if (notModified(request, reply as FastifyReply, etag)) return reply.code(304).send();
      return sendJson(reply as FastifyReply, list);
    },
  );
};

export default readApi;
