// The web UI's change stream: the refetchEvaluation events of the OFREP event streams
// (routes/events.ts) plus `changes`, what each change wrote (so a screen fetches again only what
// it touches), for an admin or read token or a session, which an EventSource on the same origin
// sends by itself. A revoked token or a sign-out, on any instance, ends the stream.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../schema.ts';
import { followStream } from '../events.ts';
import { EnvironmentQuery } from '../http.ts';

const adminEvents: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/events',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          "Server-sent events: one refetchEvaluation event per change of the environment's flags or segments",
        description:
          "Besides etag and lastModified, each event names what its change wrote: changes, [{kind: 'flag' or 'segment', key}], or null when anything may have changed (a batch such as an import, a catch-up, a reconnect behind the current revision).",
        querystring: EnvironmentQuery,
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      await followStream(app, request, reply, {
        kind: 'admin',
        environment: request.environmentFor(request.query.environment),
        tokenId: request.principal.id,
        session: request.sessionId,
      });
    },
  );
};

export default adminEvents;
