// The web UI's change stream: the same refetchEvaluation events as the OFREP event streams
// (routes/events.ts), for an admin or read token or a session, which an EventSource on the same
// origin sends by itself. A revoked token or a sign-out here ends the stream.
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errors } from '../../errors.ts';
import { errorResponses } from '../../schema.ts';
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
        querystring: EnvironmentQuery,
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      if (app.events.full) {
        app.telemetry.eventStreamsRefused.inc();
        throw errors.streamsFull(app.config.MAX_EVENT_STREAMS);
      }
      const revision = await app.flags.follow(environment);
      reply.hijack();
      app.events.open(
        request.raw,
        reply.raw,
        { environment, tokenId: request.token.id, revision, session: request.sessionSecret },
        reply.getHeaders() as OutgoingHttpHeaders,
      );
    },
  );
};

export default adminEvents;
