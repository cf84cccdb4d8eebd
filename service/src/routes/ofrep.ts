// The OpenFeature Remote Evaluation Protocol (open-feature/protocol, service/openapi.yaml), so
// any OpenFeature SDK can evaluate flags here through its OFREP provider. Success and failure
// bodies follow the spec's shapes (ofrep-errors.ts); auth, rate-limit and overload answers keep the
// service's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply } from 'fastify';
import murmurhash from 'murmurhash';
import stableStringify from 'safe-stable-stringify';
import Type, { type Static } from 'typebox';
import { KEY } from '../config.ts';
import { DomainError } from '../errors.ts';
import type { KeyedEvaluation } from '../flags/flag-service.ts';
import { type Evaluation, type EvaluationContext, REASONS } from '../flags/rule-schemas.ts';
import { describe } from '../plugins/errors.ts';
import { limitPerToken } from '../plugins/rate-limit.ts';
import { Nullable, Strict } from '../schema.ts';
import { unstorable } from '../storable.ts';
import { reproduced } from './hot-routes.ts';
import { EnvironmentQuery, JSON_TYPE, notModified, quoted, replayBody, serializedOf } from './http.ts';
import { Failure, NotFound, type OfrepErrorCode, ofrepRefusal, Refusal } from './ofrep-errors.ts';

export { Failure, NotFound };

const EvaluationRequest = Nullable(
  Strict({
    context: Type.Optional(
      Type.Unknown({ description: 'the evaluation context: targetingKey and any attributes, as an object' }),
    ),
  }),
);
export const Success = Type.Object({
  key: Type.String(),
  value: Type.Optional(
    Type.Unknown({ description: "absent when the flag serves no variant: use the code's default value" }),
  ),
  reason: Type.Enum(REASONS, {
    description: 'why this value: no rules, a rule matched, a split, disabled, or no rule matched',
  }),
  variant: Type.Optional(Type.String()),
  metadata: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String(), Type.Number()])),
});
const EventStream = Type.Object({
  type: Type.Literal('sse'),
  url: Type.String({ description: 'GET it as server-sent events; it carries a ticket, never the API token' }),
  inactivityDelaySec: Type.Integer({
    description: 'how long a hidden page keeps its stream open before closing it (ADR-0008)',
  }),
});
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
/** How long a hidden page keeps its event stream (the web provider's own default). */
const INACTIVITY_DELAY_SEC = 120;

/** The revision an event's etag names for `environment` (`"development-42"`); else undefined. */
function revisionNamed(etag: string | undefined, environment: string): number | undefined {
  const match = etag === undefined ? null : /^(?:W\/)?"?(.+)-(\d{1,15})"?$/.exec(etag);
  return match && match[1] === environment ? Number(match[2]) : undefined;
}

/** Thrown for a request the spec answers with an evaluationFailure body. */
class OfrepFailure extends Error {
  readonly errorCode: OfrepErrorCode;
  constructor(errorCode: OfrepErrorCode, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

function contextOf(body: { context?: unknown } | null): EvaluationContext {
  const context = body?.context ?? {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new OfrepFailure('INVALID_CONTEXT', 'The evaluation context must be a JSON object.');
  }
  return context as EvaluationContext;
}

/**
 * The spec's body for one evaluation: its success or its failure. A success without a variant
 * has no `value` key at all (not null), which tells the provider to use the code default.
 */
export const shape = (r: KeyedEvaluation) => {
  if ('errorCode' in r) return { key: r.key, errorCode: r.errorCode, errorDetails: r.errorDetails };
  if (r.variant === undefined) return { key: r.key, reason: r.reason, metadata: {} };
  return { key: r.key, value: r.value, reason: r.reason, variant: r.variant, metadata: {} };
};

/**
 * A success's body: built once per shared answer (evaluation/evaluate.ts) and sent as is, by the
 * route and by the fast path alike, so both send the same bytes.
 */
export const successJson = (key: string, answer: Evaluation) =>
  serializedOf(answer, (a) => JSON.stringify(shape({ key, ...a })));

export function sendEvaluation(reply: FastifyReply, key: string, result: Evaluation) {
  if ('errorCode' in result) return reply.code(400).send(shape({ key, ...result }));
  return reply.type(JSON_TYPE).send(successJson(key, result).json);
}

/**
 * The bulk ETag: the environment's revision and the context, so a new context is never a 304.
 * The context is serialized with its keys sorted, so the same attributes in another order match.
 */
const bulkETag = (environment: string, revision: number, context: EvaluationContext) =>
  quoted(`${environment}-${revision}-${digest(stableStringify(context) ?? '')}`);

/** A short tag for a text: murmur3 of its UTF-8 bytes, base 36. */
const digest = (text: string) => murmurhash.v3(new TextEncoder().encode(text)).toString(36);

/**
 * The optional configuration extension: what a provider that asks should know. Polling the bulk
 * evaluation is cheap (an unchanged answer is a 304) but not free, hence a floor; evaluations
 * should not be cached by server providers, since a change reaches every instance within
 * milliseconds and a provider's cache would hold it back.
 */
const Configuration = Type.Object({
  name: Type.String(),
  capabilities: Type.Object({
    cacheInvalidation: Type.Object({
      polling: Type.Object({ enabled: Type.Boolean(), minPollingIntervalMs: Type.Integer() }),
    }),
    flagEvaluation: Type.Object({ supportedTypes: Type.Array(Type.String()) }),
    caching: Type.Object({ enabled: Type.Boolean() }),
  }),
});
const CONFIGURATION: Static<typeof Configuration> = {
  name: 'flagstone',
  capabilities: {
    cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
    flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
    caching: { enabled: false },
  },
};
/** How much of bulk answers is kept at once (UTF-16 code units); past it they start over. */
const MAX_BULK_BYTES = 8 * 1024 * 1024;
const CONFIGURATION_ETAG = quoted(digest(JSON.stringify(CONFIGURATION)));

const ofrep: FastifyPluginAsyncTypebox = async (app) => {
  // Bulk answers by ETag (environment, revision, context): built once per revision for each
  // context, the way a fleet of clients with the same context polls; a new revision never matches.
  const bulkBodies = new Map<string, string>();
  let bulkBytes = 0;
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

  // Protocol failures get the spec's bodies; everything else goes to the service's handler, which
  // answers a body it cannot read in the spec's shape too (plugins/errors.ts).
  app.setErrorHandler((error: FastifyError | DomainError | OfrepFailure, request, reply) => {
    if (error instanceof OfrepFailure)
      return reply.code(400).send(ofrepRefusal(request, error.errorCode, error.message));
    if (
      error instanceof DomainError &&
      (error.code === 'FLAG_NOT_FOUND' || error.code === 'ENVIRONMENT_NOT_FOUND')
    ) {
      const key = (request.params as { key?: string }).key;
      return key === undefined
        ? reply.code(400).send(ofrepRefusal(request, 'GENERAL', error.message))
        : reply.code(404).send({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: error.message });
    }
    const issue = 'validation' in error ? error.validation?.[0] : undefined;
    if (issue) {
      const code = issue.instancePath.startsWith('/context') ? 'INVALID_CONTEXT' : 'PARSE_ERROR';
      return reply
        .code(400)
        .send(
          ofrepRefusal(request, code, describe((error as FastifyError).validationContext ?? 'body', issue)),
        );
    }
    throw error;
  });

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
        return reply
          .code(404)
          .send({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `No flag can be named '${key}'.` });
      }
      return sendEvaluation(
        reply as FastifyReply,
        key,
        await app.flags.evaluateFlag(environment, key, context),
      );
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
      const etag = bulkETag(environment, bulk.revision, context);
      if (notModified(request, reply as FastifyReply, etag)) return reply.code(304).send(null);
      let body = bulkBodies.get(etag);
      if (body === undefined) {
        // Each success's JSON is built once per shared answer, so a bulk answer is mostly a join.
        const entries = bulk.evaluate(context).map((result, i) => {
          const key = bulk.flags[i]!.key;
          return 'errorCode' in result
            ? JSON.stringify(shape({ key, ...result }))
            : successJson(key, result).json;
        });
        body = `{"flags":[${entries.join(',')}]`;
        bulkBytes += body.length;
        if (bulkBytes > MAX_BULK_BYTES) {
          bulkBodies.clear();
          bulkBytes = body.length;
        }
        bulkBodies.set(etag, body);
      }
      const ticket = app.tickets.issue({ tokenId: request.token.id, environment });
      const url = `${app.config.PUBLIC_URL?.replace(/\/$/, '') ?? `${request.protocol}://${request.host}`}/ofrep/v1/events?ticket=${ticket}`;
      const streams = JSON.stringify([{ type: 'sse', url, inactivityDelaySec: INACTIVITY_DELAY_SEC }]);
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
