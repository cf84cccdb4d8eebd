// OFREP's error bodies (open-feature/protocol, service/openapi.yaml: evaluationFailure,
// flagNotFound, bulkEvaluationFailure), shared by the OFREP routes and by what answers on an OFREP
// path before a route does (no such route, a malformed URL, a body that cannot be read).
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';

/**
 * The spec's errorCode enums: evaluationFailure's (a request that could not be evaluated, also
 * what a bulk evaluation or any other request on an OFREP path is refused with) and flagNotFound's.
 */
export const OFREP_ERROR_CODES = {
  evaluationFailure: ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL'],
  flagNotFound: ['FLAG_NOT_FOUND'],
} as const;
export type OfrepErrorCode = (typeof OFREP_ERROR_CODES.evaluationFailure)[number];

const codesOf = (codes: readonly string[]) => codes.join(', ');
const ErrorCode = Type.Enum(OFREP_ERROR_CODES.evaluationFailure, {
  description: codesOf(OFREP_ERROR_CODES.evaluationFailure),
});
const ErrorDetails = Type.String({ description: 'what went wrong and what to do' });

/** evaluationFailure: one flag's request that could not be evaluated. */
export const Failure = Type.Object({ key: Type.String(), errorCode: ErrorCode, errorDetails: ErrorDetails });
/** flagNotFound. */
export const NotFound = Type.Object({
  key: Type.String(),
  errorCode: Type.Enum(OFREP_ERROR_CODES.flagNotFound, {
    description: codesOf(OFREP_ERROR_CODES.flagNotFound),
  }),
  errorDetails: ErrorDetails,
});

/** flagNotFound's body for `key`. */
export const flagNotFound = (key: string, errorDetails: string) => ({
  key,
  errorCode: OFREP_ERROR_CODES.flagNotFound[0],
  errorDetails,
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

/** Thrown for a request the spec answers with an evaluationFailure body (ofrep-answers.ts). */
export class OfrepFailure extends Error {
  readonly errorCode: OfrepErrorCode;
  constructor(errorCode: OfrepErrorCode, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}
