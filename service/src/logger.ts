// pino settings shared by the server and the tests: JSON lines, request ids, and secrets
// redacted wherever they could appear. Request logging stays off the hot path: a successful
// request is logged at debug (metrics count it), a slow one at warn, a failed one at error.
import {
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';
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
    const responseTime = reply.elapsedTime;
    const level = error ? 'error' : responseTime >= SLOW_MS ? 'warn' : 'debug';
    if (!(request.log as Logger).isLevelEnabled(level)) return;
    const fields = { req: request, statusCode: reply.statusCode, responseTime: Math.round(responseTime) };
    if (error) request.log.error({ ...fields, err: error }, 'request errored');
    else request.log[level](fields, level === 'warn' ? 'slow request' : 'request completed');
  }
}

/**
 * A request's logger, created only when something is logged at an enabled level: most
 * requests log nothing, and a pino child per request is a measurable share of a cached read.
 */
class LazyChildLogger {
  #parent: Logger;
  #bindings: Bindings;
  #options: ChildLoggerOptions;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger() {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  #log(level: Level, args: unknown[]) {
    if (this.#parent.isLevelEnabled(level)) (this.#logger()[level] as (...a: unknown[]) => void)(...args);
  }

  get level() {
    return this.#child?.level ?? this.#parent.level;
  }
  set level(level: string) {
    this.#logger().level = level;
  }
  isLevelEnabled(level: string) {
    return (this.#child ?? this.#parent).isLevelEnabled(level);
  }
  fatal(...args: unknown[]) {
    this.#log('fatal', args);
  }
  error(...args: unknown[]) {
    this.#log('error', args);
  }
  warn(...args: unknown[]) {
    this.#log('warn', args);
  }
  info(...args: unknown[]) {
    this.#log('info', args);
  }
  debug(...args: unknown[]) {
    this.#log('debug', args);
  }
  trace(...args: unknown[]) {
    this.#log('trace', args);
  }
  silent() {}
  child(bindings: Bindings, options?: ChildLoggerOptions) {
    return this.#logger().child(bindings, options);
  }
}

export const lazyChildLogger = (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) =>
  new LazyChildLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
