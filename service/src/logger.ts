// pino settings shared by the server and the tests: JSON lines, request ids, and secrets
// redacted wherever they could appear. Request logging stays off the hot path: a successful
// request is logged at debug (metrics count it), a slow one at warn, a failed one at error.
import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import type { Config } from './config.ts';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'token',
  'secret',
  '*.token',
  '*.secret',
  '*.secretHash',
];

export const loggerOptions = (level: Config['LOG_LEVEL']) =>
  ({
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; headers: Record<string, unknown>; ip?: string }) => ({
        method: req.method,
        url: req.url,
        headers: req.headers,
        remoteAddress: req.ip,
      }),
    },
  }) satisfies FastifyServerOptions['logger'];

const SLOW_MS = 1000;

export class RequestLogController extends LogController {
  override incomingRequest() {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    const responseTime = Math.round(reply.elapsedTime);
    const fields = { req: request, statusCode: reply.statusCode, responseTime };
    if (error) request.log.error({ ...fields, err: error }, 'request errored');
    else if (responseTime >= SLOW_MS) request.log.warn(fields, 'slow request');
    else request.log.debug(fields, 'request completed');
  }
}
