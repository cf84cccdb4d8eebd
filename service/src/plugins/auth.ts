// Token authentication for the read, OFREP and admin APIs: `requireToken(scope)` is an onRequest
// hook for a route group; `request.environmentFor()` resolves and checks the environment.
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { errors } from '../errors.ts';
import { reproduced } from '../routes/hot-routes.ts';
import type { Token, TokenScope } from '../tokens/token-schemas.ts';
import { authorize, environmentFor } from '../tokens/token-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    requireToken(scope: TokenScope, options?: { allEnvironments?: boolean }): onRequestHookHandler;
  }
  interface FastifyRequest {
    /** The caller's token; set on every route behind requireToken. */
    token: Token;
    /** The environment asked for (else the token's own, else DEFAULT_ENVIRONMENT), once the token may use it. */
    environmentFor(requested: string | undefined): string;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of the usual form, "Bearer <token>" with one space, sliced out; else undefined. */
export const plainBearer = (authorization: string) =>
  authorization.length > 7 && authorization.startsWith('Bearer ') && authorization.indexOf(' ', 7) === -1
    ? authorization.slice(7)
    : undefined;

function presentedSecret(request: FastifyRequest): string | undefined {
  const { authorization } = request.headers;
  if (authorization !== undefined) {
    const plain = plainBearer(authorization);
    if (plain !== undefined) return plain;
    const match = BEARER.exec(authorization);
    if (!match) throw errors.unauthorized('The Authorization header must be "Bearer <token>".');
    return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  return Array.isArray(apiKey) ? apiKey[0] : apiKey;
}

export default fp(
  async (app) => {
    app.decorateRequest('token', null as unknown as Token);
    app.decorateRequest('environmentFor', function (this: FastifyRequest, requested: string | undefined) {
      const environment = environmentFor(this.token, requested, app.config.DEFAULT_ENVIRONMENT);
      authorize(this.token, this.token.scope, environment);
      return environment;
    });
    app.decorate('requireToken', (scope: TokenScope, { allEnvironments = false } = {}) => {
      const hook: onRequestHookHandler = async (request) => {
        request.token = await app.tokens.authenticate(presentedSecret(request));
        authorize(request.token, scope, allEnvironments ? null : undefined);
      };
      // The fast path answers only for a token verified here lately, with the same rule (refusal).
      return scope === 'read' ? reproduced('read token', hook) : hook;
    });
  },
  { name: 'auth', dependencies: ['services'] },
);
