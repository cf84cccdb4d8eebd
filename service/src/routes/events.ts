// Event streams (OFREP ADR-0008): GET /ofrep/v1/events?ticket=… stays open and gets one
// `refetchEvaluation` event each time the ticket's environment changes. The ticket comes with
// every bulk evaluation (its eventStreams URL) and stands in for the API token, which an
// EventSource cannot send; it is checked without a query.
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { errors } from '../errors.ts';
import type { Follow } from '../events/event-streams.ts';
import { errorResponses, Strict } from '../schema.ts';

const FRESH_TICKET = 'Evaluate the flags again (POST /ofrep/v1/evaluate/flags) for a fresh eventStreams URL.';

const events: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/events',
    {
      schema: {
        tags: ['ofrep'],
        summary:
          "Server-sent events for the ticket's environment: one refetchEvaluation event per change (OFREP ADR-0008)",
        description:
          'The URL comes in the eventStreams of every bulk evaluation. Last-Event-ID behind the current revision gets one event at once; a comment every EVENTS_HEARTBEAT_SECONDS keeps the stream open.',
        security: [],
        querystring: Strict({
          ticket: Type.String({
            minLength: 1,
            maxLength: 1024,
            description: 'the ticket from an eventStreams URL',
          }),
        }),
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses(400, 401, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const ticket = app.tickets.verify(request.query.ticket);
      if (!ticket.ok) throw errors.unauthorized(`This event-stream ticket ${ticket.reason}. ${FRESH_TICKET}`);
      if (!app.tokens.isLive(ticket.tokenId)) {
        throw errors.unauthorized(
          `The API token this event-stream ticket was issued for is revoked. ${FRESH_TICKET}`,
        );
      }
      await followStream(app, request, reply, {
        kind: 'ofrep',
        environment: ticket.environment,
        tokenId: ticket.tokenId,
      });
    },
  );
};

/**
 * Turns the reply into an event stream of `follow.environment`: the OFREP route's and the admin
 * API's alike. Refused with 503 when this instance holds all the streams of that kind it may,
 * with 429 when the client address does (its address as the trusted proxies name it, since one
 * browser token serves every visitor of a web app).
 */
export async function followStream(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  follow: Omit<Follow, 'revision' | 'client'>,
) {
  const revision = await app.flags.follow(follow.environment);
  // Counted and opened in one step, so concurrent requests cannot pass a limit together.
  app.events.open(
    request.raw,
    reply.raw,
    { ...follow, client: request.ip, revision },
    reply.getHeaders() as OutgoingHttpHeaders,
  );
  reply.hijack();
}

export default events;
