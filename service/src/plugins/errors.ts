// One place that turns failures into the JSON error shape { statusCode, code, error, message }.
// Domain errors keep their code and message; framework errors get a code and a hint (on an OFREP
// path, in OFREP's shape); anything else is a 500 whose detail stays in the log, tied to the
// request id. Every answer names the request id, those made before routing included.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isContention, isUnavailable } from '../db/database.ts';
import { DomainError, errors } from '../errors.ts';
import { isOfrepPath, type OfrepErrorCode, ofrepRefusal } from '../routes/ofrep-errors.ts';

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/** Fastify's refusals of a body: our code, a hint, and the OFREP errorCode on an OFREP path. */
const FRAMEWORK_ERRORS: Record<string, [code: string, hint: string, ofrep: OfrepErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['BODY_TOO_LARGE', 'Send a smaller body.', 'GENERAL'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'UNSUPPORTED_MEDIA_TYPE',
    'Send the body as JSON with Content-Type: application/json.',
    'PARSE_ERROR',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    'INVALID_JSON',
    'Send a JSON body, or no Content-Type header.',
    'PARSE_ERROR',
  ],
  FST_ERR_CTP_INVALID_JSON_BODY: ['INVALID_JSON', 'Send well-formed JSON.', 'PARSE_ERROR'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'INVALID_CONTENT_LENGTH',
    'Send a Content-Length that matches the body.',
    'PARSE_ERROR',
  ],
};

/** "body.variants.on must be boolean" rather than Ajv's terse default. */
export function describe(context: string, issue: ValidationIssue): string {
  const path = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
  const params = issue.params as Record<string, unknown>;
  switch (issue.keyword) {
    case 'additionalProperties':
      return `${path} has an unknown field '${params.additionalProperty}'. Remove it; see /docs for the fields this endpoint takes.`;
    case 'required':
      return `${path} is missing the required field '${params.missingProperty}'.`;
    case 'enum':
      return `${path} must be one of ${(params.allowedValues as unknown[]).join(', ')}.`;
    case 'minProperties':
      return `${path} must contain at least one field.`;
    default:
      return `${path} ${issue.message ?? 'is invalid'}.`;
  }
}

/**
 * The database down (503 DATABASE_UNAVAILABLE, saying `consequence`) or contended (503
 * DATABASE_BUSY), logged as such; undefined for any other failure.
 */
export function databaseFailure(
  err: unknown,
  log: FastifyBaseLogger,
  consequence = 'so nothing could be read or changed; if you were changing something, read it back first',
): DomainError | undefined {
  if (isUnavailable(err)) {
    log.warn({ err }, 'database unavailable');
    return errors.unavailable(consequence);
  }
  if (isContention(err)) {
    log.warn({ err }, 'database contention');
    return errors.busy();
  }
  return undefined;
}

export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string) {
  return reply
    .code(statusCode)
    .send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

/** A refusal in the shape the path speaks: OFREP's on an OFREP path, else the service's. */
function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  [statusCode, code, ofrep]: [number, string, OfrepErrorCode],
  message: string,
) {
  if (!isOfrepPath(request.url)) return sendError(reply, statusCode, code, message);
  return reply.code(statusCode).send(ofrepRefusal(request, ofrep, message));
}

/** Why a path the router cannot decode is not a URL: a stray '%', or escapes that are not UTF-8. */
const badUrl = (path: string) =>
  /%(?![0-9A-Fa-f]{2})/.test(path)
    ? `The path '${path}' is not a valid URL: a '%' must start an escape such as %20. Percent-encode the path.`
    : `The path '${path}' is not a valid URL: its percent escapes do not decode to UTF-8 text. Percent-encode each character as the bytes of its UTF-8 encoding (é is %C3%A9).`;

/**
 * Refusals the router makes before any route runs (Fastify's `frameworkErrors` option): no hook
 * has run, so the request id is set here.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return refuse(
      request,
      reply,
      [414, 'URI_TOO_LONG', 'GENERAL'],
      'A path segment of this URL is too long: keys are at most 128 characters. Check the key.',
    );
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return refuse(request, reply, [400, 'BAD_URL', 'PARSE_ERROR'], badUrl(request.url.split('?')[0]!));
  }
  request.log.error({ err: error }, 'request failed before routing');
  return sendError(
    reply,
    500,
    'INTERNAL_ERROR',
    `The server could not handle this request (request id ${request.id}).`,
  );
}

const CLIENT_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'HEADERS_TOO_LARGE',
    'The request headers are larger than the server takes (16 KiB in all). Send fewer or shorter headers.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'REQUEST_TIMEOUT',
    'The request did not arrive in time. Send the whole request at once, then wait for the answer.',
  ],
};
const MALFORMED: [number, string, string] = [
  400,
  'BAD_REQUEST',
  'The request is not well-formed HTTP/1.1. Check the request line and headers.',
];

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (Fastify's `clientErrorHandler`
 * option): answered in the error shape with a request id of `requestId`'s making, then the
 * connection closes, as Node's own handler does.
 */
export function clientErrorHandler(requestId: () => string) {
  return function onClientError(
    this: { log: FastifyBaseLogger },
    err: NodeJS.ErrnoException,
    socket: Socket,
  ) {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [statusCode, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
    this.log.debug({ err }, 'client error');
    if (socket.writable) {
      const error = STATUS_CODES[statusCode];
      const body = JSON.stringify({ statusCode, code, error, message });
      socket.write(
        `HTTP/1.1 ${statusCode} ${error}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId()}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

export default fp(
  async (app) => {
    app.setErrorHandler((raw: FastifyError, request, reply) => {
      if (raw.code === 'ECONNRESET' && !request.raw.complete) {
        // The client went away before sending the whole request: no fault of the server, and no
        // one to answer.
        request.log.debug({ err: raw }, 'client went away before sending the whole request');
        reply.hijack();
        reply.raw.destroy();
        return;
      }
      const error = databaseFailure(raw, request.log) ?? raw;
      if (error instanceof DomainError) {
        if (error.retryAfterSeconds) reply.header('retry-after', error.retryAfterSeconds);
        return sendError(reply, error.statusCode, error.code, error.message);
      }
      if (error.validation?.[0]) {
        return sendError(
          reply,
          400,
          'VALIDATION_ERROR',
          describe(error.validationContext ?? 'request', error.validation[0]),
        );
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const [code, hint, ofrep] = FRAMEWORK_ERRORS[error.code] ?? ['BAD_REQUEST', '', 'GENERAL'];
        const message = `${error.message}. ${hint}`.replace(/\.\. /, '. ').trim();
        return refuse(request, reply, [status, code, ofrep], message);
      }
      request.log.error({ err: error }, 'request failed');
      return sendError(
        reply,
        status >= 500 && status < 600 ? status : 500,
        'INTERNAL_ERROR',
        `The server could not handle this request. It is logged under request id ${request.id}; retry, and report the id if it persists.`,
      );
    });

    app.setNotFoundHandler((request, reply) =>
      refuse(
        request,
        reply,
        [404, 'ROUTE_NOT_FOUND', 'GENERAL'],
        `There is no ${request.method} ${request.url.split('?')[0]}. See /docs for the API.`,
      ),
    );
  },
  { name: 'errors' },
);
