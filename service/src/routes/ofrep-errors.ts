// OFREP's error bodies (open-feature/protocol, service/openapi.yaml: evaluationFailure,
// flagNotFound, bulkEvaluationFailure), shared by the OFREP routes and by what answers on an OFREP
// path before a route does (no such route, a malformed URL, a body that cannot be read).
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';

/** The spec's errorCode literals for a request that could not be evaluated. */
export const OFREP_ERROR_CODES = [
  'PARSE_ERROR',
  'TARGETING_KEY_MISSING',
  'INVALID_CONTEXT',
  'GENERAL',
] as const;
export type OfrepErrorCode = (typeof OFREP_ERROR_CODES)[number];

const ErrorCode = Type.Enum(OFREP_ERROR_CODES, {
  description: 'PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT or GENERAL',
});
const ErrorDetails = Type.String({ description: 'what went wrong and what to do' });

/** evaluationFailure: one flag's request that could not be evaluated. */
export const Failure = Type.Object({ key: Type.String(), errorCode: ErrorCode, errorDetails: ErrorDetails });
/** flagNotFound. */
export const NotFound = Type.Object({
  key: Type.String(),
  errorCode: Type.Literal('FLAG_NOT_FOUND'),
  errorDetails: ErrorDetails,
});
/** bulkEvaluationFailure, and any refusal on an OFREP path: with the flag's key once one is known. */
export const Refusal = Type.Object({
  key: Type.Optional(Type.String({ description: 'the flag asked for, when the request names one' })),
  errorCode: ErrorCode,
  errorDetails: ErrorDetails,
});

const OFREP_PREFIX = '/ofrep/v1/';

/** Whether a request path (or a route's URL pattern) is OFREP's, so its refusals take OFREP's shape. */
export const isOfrepPath = (url: string) => url.startsWith(OFREP_PREFIX);

/** A refusal's body for `request`, carrying the flag key its route names. */
export function ofrepRefusal(request: FastifyRequest, errorCode: OfrepErrorCode, errorDetails: string) {
  const key = (request.params as { key?: string } | null)?.key;
  return key === undefined ? { errorCode, errorDetails } : { key, errorCode, errorDetails };
}
