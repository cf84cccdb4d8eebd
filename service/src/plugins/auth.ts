// Authentication for the read, OFREP and admin APIs: `requireToken(scope)` is an onRequest hook
// for a route group; `request.environmentFor()` resolves the environment and asks the
// authorization module whether the caller may act there. Where sessions are allowed (the admin
// API), the web UI's session cookie (of a token or of a person) stands in for the token, and a
// change made with it must carry the session's CSRF token.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { errors } from '../errors.ts';
import { reproduced } from '../routes/hot-routes.ts';
import '@fastify/cookie';
import {
  authorize,
  environmentFor,
  type Principal,
  type Right,
  tokenPrincipal,
} from '../access/authorization.ts';
import { csrfTokenOf } from '../sessions/session-service.ts';

/** The web UI's session cookie. */
export const SESSION_COOKIE = 'flagstone_session';

/** A scope, or the scope a request's route needs. */
type ScopeFor = Right | ((request: FastifyRequest) => Right);

interface RequireOptions {
  /** The route acts on every environment (tokens, environments, the global audit). */
  allEnvironments?: boolean;
  /** A session cookie may stand in for the token (the cookie is parsed in this scope). */
  sessions?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    requireToken(scope: ScopeFor, options?: RequireOptions): onRequestHookHandler;
  }
  interface FastifyRequest {
    /** The caller (a token, or a person signed in); set on every route behind requireToken. */
    principal: Principal;
    /** The right the route needs: what `environmentFor` checks on the environment. */
    needs: Right;
    /** The id of the web UI session, when a session cookie stood in for the token. */
    sessionId: string | undefined;
    /** The environment asked for (else the token's own, else DEFAULT_ENVIRONMENT), once the caller holds the route's right there. */
    environmentFor(requested: string | undefined): string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session cookie's secret, when the request sent no token of its own. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  if (request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined)
    return undefined;
  return request.cookies?.[SESSION_COOKIE] || undefined;
}

/** Whether a request made with a session carries that session's CSRF token. */
export function carriesCsrfToken(request: FastifyRequest, sessionSecret: string): boolean {
  const sent = request.headers['x-csrf-token'];
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionSecret));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of the usual form, "Bearer <token>" with one space, sliced out; else undefined. */
export const plainBearer = (authorization: string) =>
  authorization.length > 7 && authorization.startsWith('Bearer ') && authorization.indexOf(' ', 7) === -1
    ? authorization.slice(7)
    : undefined;

/**
 * The secret a caller presented: "Authorization: Bearer <token>", else "X-API-Key: <token>". HTTP
 * requests and sync calls (whose metadata are headers too) alike.
 */
export function presentedSecret(headers: {
  authorization?: string | undefined;
  'x-api-key'?: string | string[] | undefined;
}): string | undefined {
  const { authorization } = headers;
  if (authorization !== undefined) {
    const plain = plainBearer(authorization);
    if (plain !== undefined) return plain;
    const match = BEARER.exec(authorization);
    if (!match) throw errors.unauthorized('The Authorization header must be "Bearer <token>".');
    return match[1];
  }
  const apiKey = headers['x-api-key'];
  return Array.isArray(apiKey) ? apiKey[0] : apiKey;
}

export default fp(
  async (app) => {
    app.decorateRequest<Principal | null>('principal', null);
    app.decorateRequest('needs', 'read');
    app.decorateRequest('sessionId', undefined);
    app.decorateRequest('environmentFor', function (this: FastifyRequest, requested: string | undefined) {
      const environment = environmentFor(this.principal, requested, app.config.DEFAULT_ENVIRONMENT);
      authorize(this.principal, this.needs, environment);
      return environment;
    });
    app.decorate(
      'requireToken',
      (scope: ScopeFor, { allEnvironments = false, sessions = false }: RequireOptions = {}) => {
        const scopeOf = typeof scope === 'function' ? scope : () => scope;
        const hook: onRequestHookHandler = async (request) => {
          const sessionSecret = sessions ? sessionCookie(request) : undefined;
          if (sessionSecret) {
            const session = await app.sessions.session(sessionSecret);
            request.principal = session.principal;
            request.sessionId = session.id;
            if (!SAFE_METHODS.has(request.method) && !carriesCsrfToken(request, sessionSecret)) {
              throw errors.csrfTokenMissing();
            }
          } else {
            request.principal = tokenPrincipal(
              await app.tokens.authenticate(presentedSecret(request.headers)),
            );
          }
          request.needs = scopeOf(request);
          authorize(request.principal, request.needs, allEnvironments ? null : undefined);
        };
        // The fast path answers only for a token verified here lately, with the same rule (refusal).
        return scope === 'read' ? reproduced('read token', hook) : hook;
      },
    );
  },
  { name: 'auth', dependencies: ['services'] },
);
