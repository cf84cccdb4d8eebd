// The OpenFeature Remote Evaluation Protocol (open-feature/protocol, service/openapi.yaml), so
// any OpenFeature SDK can evaluate flags here through its OFREP provider. Success and failure
// bodies follow the spec's shapes (ofrep-answers.ts, ofrep-errors.ts); auth, rate-limit and
// overload answers keep the service's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { KEY } from '../config.ts';
import { EventStream, eventStreamsJson } from '../events/stream-urls.ts';
import { limitPerToken } from '../plugins/rate-limit.ts';
import { Nullable, Strict } from '../schema.ts';
import { unstorable } from '../storable.ts';
import { reproduced } from './hot-routes.ts';
import { EnvironmentQuery, JSON_TYPE, notModified, replayBody } from './http.ts';
import {
  answerOfrepError,
  bulkETag,
  bulkFlagsJson,
  CONFIGURATION,
  CONFIGURATION_ETAG,
  Configuration,
  contextKeyOf,
  contextOf,
  revisionNamed,
  Success,
  sendEvaluation,
} from './ofrep-answers.ts';
import { Failure, flagNotFound, NotFound, OfrepFailure, Refusal } from './ofrep-errors.ts';

const EvaluationRequest = Nullable(
  Strict({
    context: Type.Optional(
      Type.Unknown({ description: 'the evaluation context: targetingKey and any attributes, as an object' }),
    ),
  }),
);
const BulkQuery = Strict({
  ...EnvironmentQuery.properties,
  flagConfigEtag: Type.Optional(
    Type.String({
      maxLength: 300,
      description:
        'the etag of the event that asked for this refetch: answered from a snapshot at least that new',
    }),
  ),
  flagConfigLastModified: Type.Optional(
    Type.String({ maxLength: 40, description: 'the lastModified of that event (informational)' }),
  ),
});
/** How long a refetch may wait for this instance to reach the revision its event named. */
const CATCH_UP_WAIT_MS = 1000;

const ofrep: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireToken('read'));
  await limitPerToken(app, 'evaluations');
  // A context nested deeper than anything evaluates would only make the bulk ETag overflow the
  // stack. The fast path leaves such a body to the route (tooDeep).
  app.addHook(
    'preValidation',
    reproduced('context depth', async (request) => {
      const problem = request.body == null ? undefined : unstorable(request.body, 'body', { text: false });
      if (problem) throw new OfrepFailure('INVALID_CONTEXT', problem);
    }),
  );

  app.setErrorHandler(answerOfrepError);

  app.post(
    '/evaluate/flags/:key',
    {
      schema: {
        tags: ['ofrep'],
        summary: 'Evaluate one flag for a context (OFREP)',
        params: Strict({ key: Type.String({ minLength: 1, maxLength: 256 }) }),
        querystring: EnvironmentQuery,
        body: EvaluationRequest,
        // A failed evaluation, or a request refused before one (a key only once the route has it).
        response: { 200: Success, 400: Type.Union([Failure, Refusal]), 404: NotFound },
      },
      // Answered by the fast path when it can (fast-path.ts); a body it read is parsed from what it held.
      config: { hot: 'evaluation' },
      preParsing: replayBody,
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const context = contextOf(request.body);
      const { key } = request.params;
      if (!KEY.test(key)) {
        return reply.code(404).send(flagNotFound(key, `No flag can be named '${key}'.`));
      }
      const result = await app.flags.evaluateFlag(environment, key, context);
      if (!('errorCode' in result)) app.usage.counter.count(environment, key, result.variant);
      return sendEvaluation(reply as FastifyReply, key, result);
    },
  );

  app.post(
    '/evaluate/flags',
    {
      schema: {
        tags: ['ofrep'],
        summary: 'Evaluate every flag of the environment for a context (OFREP); If-None-Match answers 304',
        querystring: BulkQuery,
        body: EvaluationRequest,
        response: {
          200: Type.Object({
            flags: Type.Array(Type.Union([Success, Failure])),
            eventStreams: Type.Array(EventStream),
          }),
          304: Type.Null(),
          400: Refusal,
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const context = contextOf(request.body);
      const wanted = revisionNamed(request.query.flagConfigEtag, environment);
      if (wanted !== undefined) await app.flags.follow(environment, wanted, CATCH_UP_WAIT_MS);
      const bulk = await app.flags.bulk(environment);
      const contextKey = contextKeyOf(context);
      const etag = bulkETag(environment, bulk.revision, contextKey);
      // A 304 counts too: the client goes on using the answer it holds.
      const usage = app.usage.counter;
      if (notModified(request, reply as FastifyReply, etag)) {
        if (usage.enabled)
          usage.countAll(environment, bulk.flags, bulk.answer(contextKey, context, bulkFlagsJson).results);
        return reply.code(304).send(null);
      }
      const { body, results } = bulk.answer(contextKey, context, bulkFlagsJson);
      usage.countAll(environment, bulk.flags, results);
      const ticket = app.tickets.issue({ tokenId: request.principal.id, environment });
      const streams = eventStreamsJson(ticket, app.config.PUBLIC_URL, request);
      return (reply as FastifyReply).type(JSON_TYPE).send(`${body},"eventStreams":${streams}}`);
    },
  );

  app.get(
    '/configuration',
    {
      schema: {
        tags: ['ofrep'],
        summary: 'What an OFREP provider should know: polling floor, flag types, caching (OFREP extension)',
        response: { 200: Configuration, 304: Type.Null() },
      },
    },
    async (request, reply) => {
      if (notModified(request, reply as FastifyReply, CONFIGURATION_ETAG)) return reply.code(304).send(null);
      return CONFIGURATION;
    },
  );
};

export default ofrep;
