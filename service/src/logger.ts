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
import {
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Level,
  type Logger,
  type LoggerOptions,
  pino,
} from 'pino';
import type { Config } from './config.ts';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'token',
  'secret',
  '*.token',
  '*.secret',
  '*.secretHash',
];

const CENSOR = '[redacted]';

/**
 * A query parameter in a URL, alone or within a message: its separator, name and value. A
 * credential's value is replaced; see CREDENTIAL_PARAMETER.
 */
const QUERY_PARAMETER = /([?&])([^=&?#\s"'`]+)=([^&#\s"'`]*)/g;
/**
 * Parameters that carry a credential: an event-stream ticket (valid for hours), a token a client
 * put in a URL (`token`, `api_key`, `apiKey`, `access_token`, …), or the one-time authorization
 * `code` an identity provider returns to the sign-in callback. Compared in lower case without `_`
 * and `-`.
 */
const CREDENTIAL_PARAMETER =
  /(ticket|token|secret|password|apikey|signature)$|^(key|auth|authorization|sig|code)$/;

function isCredential(name: string) {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {}
  return CREDENTIAL_PARAMETER.test(decoded.toLowerCase().replace(/[-_]/g, ''));
}

/**
 * `text` (a URL, or a message that may hold one) with the value of every credential query
 * parameter replaced: the one place the log's URLs are redacted.
 */
export const redactUrls = (text: string) =>
  text.includes('=')
    ? text.replace(QUERY_PARAMETER, (parameter, separator: string, name: string) =>
        isCredential(name) ? `${separator}${name}=${CENSOR}` : parameter,
      )
    : text;

export const loggerOptions = (level: Config['LOG_LEVEL']) =>
  ({
    level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    serializers: {
      req: (req: { method: string; url: string; headers: Record<string, unknown>; ip?: string }) => ({
        method: req.method,
        url: redactUrls(req.url),
        headers: req.headers,
        remoteAddress: req.ip,
      }),
      err: (err: Error) => {
        const serialized = pino.stdSerializers.err(err);
        // What is not error-like comes back as it is, and is logged so.
        if ((serialized as unknown) === err) return serialized;
        // Node's HTTP parser hands a refused request's raw bytes (URL and headers) to its error.
        delete serialized.rawPacket;
        if (typeof serialized.message === 'string') serialized.message = redactUrls(serialized.message);
        if (typeof serialized.stack === 'string') serialized.stack = redactUrls(serialized.stack);
        return serialized;
      },
    },
    hooks: {
      // Messages may name a URL too (Fastify's own, such as "Reply was already sent … in the <url> route").
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactUrls(arg) : arg)) as typeof args,
        );
      },
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
 * A logger whose pino child is created only when something is logged at an enabled level.
 * Fastify makes one child for the app and one per request; most requests log nothing, and a
 * pino child per request is a measurable share of a cached read. Given to Fastify as its
 * logger instance, so its own child factory (which it does not re-validate) stays in use.
 */
class LazyLogger {
  #parent: LazyLogger | undefined;
  #bindings: Bindings;
  #options: ChildLoggerOptions;
  #logger: Logger | undefined;
  /** Read by Fastify when it creates the app's child, so these win over its defaults. */
  serializers: LoggerOptions['serializers'];

  constructor(
    parent: LazyLogger | undefined,
    bindings: Bindings,
    options: ChildLoggerOptions,
    logger?: Logger,
  ) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
    this.#logger = logger;
  }

  #real(): Logger {
    this.#logger ??= this.#parent!.#real().child(this.#bindings, this.#options);
    return this.#logger;
  }

  #log(level: Level, args: unknown[]) {
    if (this.isLevelEnabled(level)) (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.#logger?.level ?? this.#options.level ?? this.#parent!.level;
  }
  set level(level: string) {
    this.#real().level = level;
  }
  isLevelEnabled(level: string): boolean {
    if (this.#logger) return this.#logger.isLevelEnabled(level);
    if (this.#options.level === undefined) return this.#parent!.isLevelEnabled(level);
    const { values } = pino.levels;
    return values[level]! >= values[this.#options.level]!;
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
  child(bindings: Bindings, options: ChildLoggerOptions = {}) {
    return new LazyLogger(this, bindings, options);
  }
}

/** The service's logger: pino with `options`, behind lazy children. */
export function createLogger(options: LoggerOptions & { stream?: DestinationStream }) {
  const root = new LazyLogger(undefined, {}, {}, pino(options, options.stream));
  root.serializers = options.serializers;
  return root as unknown as FastifyBaseLogger;
}
