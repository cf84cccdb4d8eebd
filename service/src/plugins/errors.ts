// One place that turns failures into the JSON error shape { statusCode, code, error, message }.
// Domain errors keep their code and message; framework errors get a code and a hint; anything
// else is a 500 whose detail stays in the log, tied to the request id.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isContention, isUnavailable } from '../db/database.ts';
import { DomainError, errors } from '../errors.ts';

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

const FRAMEWORK_ERRORS: Record<string, [code: string, hint: string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['BODY_TOO_LARGE', 'Send a smaller body.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'UNSUPPORTED_MEDIA_TYPE',
    'Send the body as JSON with Content-Type: application/json.',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['INVALID_JSON', 'Send a JSON body, or no Content-Type header.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['INVALID_JSON', 'Send well-formed JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'INVALID_CONTENT_LENGTH',
    'Send a Content-Length that matches the body.',
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

function unavailable(err: unknown, log: FastifyBaseLogger) {
  log.warn({ err }, 'database unavailable');
  return errors.unavailable(
    'so nothing could be read or changed; if you were changing something, read it back first',
  );
}

function contended(err: unknown, log: FastifyBaseLogger) {
  log.warn({ err }, 'database contention');
  return errors.busy();
}

export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string) {
  return reply
    .code(statusCode)
    .send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

/** Refusals the router makes before any route runs: Fastify's `frameworkErrors` option. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendError(
      reply,
      414,
      'URI_TOO_LONG',
      'A path segment of this URL is too long: keys are at most 128 characters. Check the key.',
    );
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendError(
      reply,
      400,
      'BAD_URL',
      `The path '${request.raw.url?.split('?')[0]}' is not a valid URL: a '%' must start an escape such as %20. Percent-encode the path.`,
    );
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
 * option): answered in the error shape, then the connection closes, as Node's own handler does.
 */
export function clientErrorHandler(
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
      `HTTP/1.1 ${statusCode} ${error}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
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
      const error = isUnavailable(raw)
        ? unavailable(raw, request.log)
        : isContention(raw)
          ? contended(raw, request.log)
          : raw;
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
        const [code, hint] = FRAMEWORK_ERRORS[error.code] ?? ['BAD_REQUEST', ''];
        return sendError(reply, status, code, `${error.message}. ${hint}`.replace(/\.\. /, '. ').trim());
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
      sendError(
        reply,
        404,
        'ROUTE_NOT_FOUND',
        `There is no ${request.method} ${request.url.split('?')[0]}. See /docs for the API.`,
      ),
    );
  },
  { name: 'errors' },
);
