// What the OFREP routes (ofrep.ts) read and answer, in the spec's shapes (open-feature/protocol,
// service/openapi.yaml): the evaluation context, a success's body (shared with the fast path and
// the admin playground), the bulk answer and its ETag, the configuration extension, and how a
// failure becomes a spec body (ofrep-errors.ts).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import murmurhash from 'murmurhash';
import stableStringify from 'safe-stable-stringify';
import Type, { type Static } from 'typebox';
import { DomainError } from '../errors.ts';
import type { BulkRender, KeyedEvaluation } from '../flags/flag-reader.ts';
import { type Evaluation, type EvaluationContext, REASONS } from '../flags/rule-schemas.ts';
import { describe } from '../plugins/errors.ts';
import { JSON_TYPE, quoted, serializedOf } from './http.ts';
import { flagNotFound, OfrepFailure, ofrepRefusal } from './ofrep-errors.ts';

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

/** The evaluation context of a request body: an object, or none at all. */
export function contextOf(body: { context?: unknown } | null): EvaluationContext {
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
 * A bulk answer's flags, as the start of its JSON object (the eventStreams follow, per request).
 * Each success's JSON is built once per shared answer, so this is mostly a join.
 */
export const bulkFlagsJson: BulkRender = (results, flags) => {
  const entries = results.map((result, i) => {
    const { key } = flags[i]!;
    return 'errorCode' in result ? JSON.stringify(shape({ key, ...result })) : successJson(key, result).json;
  });
  return `{"flags":[${entries.join(',')}]`;
};

/** The context serialized with its keys sorted, so the same attributes in another order match. */
export const contextKeyOf = (context: EvaluationContext) => stableStringify(context) ?? '';

/** A short tag for a text: murmur3 of its UTF-8 bytes, base 36. */
const digest = (text: string) => murmurhash.v3(new TextEncoder().encode(text)).toString(36);

/** The bulk ETag: the environment's revision and the context, so a new context is never a 304. */
export const bulkETag = (environment: string, revision: number, contextKey: string) =>
  quoted(`${environment}-${revision}-${digest(contextKey)}`);

/** The revision an event's etag names for `environment` (`"development-42"`); else undefined. */
export function revisionNamed(etag: string | undefined, environment: string): number | undefined {
  const match = etag === undefined ? null : /^(?:W\/)?"?(.+)-(\d{1,15})"?$/.exec(etag);
  return match && match[1] === environment ? Number(match[2]) : undefined;
}

/**
 * The optional configuration extension: what a provider that asks should know. Polling the bulk
 * evaluation is cheap (an unchanged answer is a 304) but not free, hence a floor; evaluations
 * should not be cached by server providers, since a change reaches every instance within
 * milliseconds and a provider's cache would hold it back.
 */
export const Configuration = Type.Object({
  name: Type.String(),
  capabilities: Type.Object({
    cacheInvalidation: Type.Object({
      polling: Type.Object({ enabled: Type.Boolean(), minPollingIntervalMs: Type.Integer() }),
    }),
    flagEvaluation: Type.Object({ supportedTypes: Type.Array(Type.String()) }),
    caching: Type.Object({ enabled: Type.Boolean() }),
  }),
});
export const CONFIGURATION: Static<typeof Configuration> = {
  name: 'flagstone',
  capabilities: {
    cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
    flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
    caching: { enabled: false },
  },
};
export const CONFIGURATION_ETAG = quoted(digest(JSON.stringify(CONFIGURATION)));

/**
 * The OFREP routes' error handler: protocol failures get the spec's bodies; everything else goes
 * to the service's handler, which answers a body it cannot read in the spec's shape too
 * (plugins/errors.ts).
 */
export function answerOfrepError(
  error: FastifyError | DomainError | OfrepFailure,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof OfrepFailure)
    return reply.code(400).send(ofrepRefusal(request, error.errorCode, error.message));
  if (
    error instanceof DomainError &&
    (error.code === 'FLAG_NOT_FOUND' || error.code === 'ENVIRONMENT_NOT_FOUND')
  ) {
    const key = (request.params as { key?: string }).key;
    return key === undefined
      ? reply.code(400).send(ofrepRefusal(request, 'GENERAL', error.message))
      : reply.code(404).send(flagNotFound(key, error.message));
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
}
