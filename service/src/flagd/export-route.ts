// GET /api/config/flagd: an environment as a flagd flag-definition document (export.ts), for the
// flagd daemon's HTTP sync and a provider's offline file. The ETag is the revision's, so a poller
// pays a 304 while nothing changed. The admin API serves the same document (admin-export-route.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { revisionETag } from '../events/event-streams.ts';
import { EnvironmentQuery, JSON_TYPE, notModified } from '../routes/http.ts';
import { STALE_HEADER } from '../routes/read-api.ts';
import { errorResponses } from '../schema.ts';
import { flagdJson } from './export.ts';

/** The 200 and 304 answers of every route that serves the document. */
export const flagdDocumentResponses = {
  200: Type.Object(
    {
      flags: Type.Record(Type.String(), Type.Unknown()),
      metadata: Type.Object({ flagSetId: Type.String(), version: Type.String() }),
    },
    { additionalProperties: true, description: 'https://flagd.dev/schema/v0/flags.json' },
  ),
  304: {},
};

/** Answers with the environment's document, or 304 when the caller holds its revision. */
export async function sendFlagdDocument(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  requested: string | undefined,
) {
  const environment = request.environmentFor(requested);
  const { value: snapshot, stale } = await app.flags.snapshot(environment);
  reply.header('cache-control', 'no-cache');
  if (stale) reply.header(STALE_HEADER, 'stale');
  if (notModified(request, reply, revisionETag(environment, snapshot.revision))) {
    return reply.code(304).send();
  }
  return reply.type(JSON_TYPE).send(flagdJson(snapshot));
}

const flagdExport: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireToken('read'));

  app.get(
    '/flagd',
    {
      schema: {
        tags: ['read'],
        summary:
          "An environment's live flags as a flagd flag-definition document (flagd's flags.json schema), for flagd providers and the flagd daemon; If-None-Match with the ETag answers 304 while nothing changed",
        querystring: EnvironmentQuery,
        response: { ...flagdDocumentResponses, ...errorResponses(400, 401, 403, 404) },
      },
    },
    (request, reply) => sendFlagdDocument(app, request, reply as FastifyReply, request.query.environment),
  );
};

export default flagdExport;
