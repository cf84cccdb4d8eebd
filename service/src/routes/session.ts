// Web UI sessions: POST exchanges an API token for a session cookie (HttpOnly, SameSite=Strict,
// Secure behind HTTPS), GET tells the page who is signed in, DELETE signs out. The page keeps
// neither the token nor the cookie's secret: it holds only the CSRF token these answers carry,
// which every change it makes sends back (plugins/auth.ts).
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { errors } from '../errors.ts';
import { carriesCsrfToken, SESSION_COOKIE, sessionCookie } from '../plugins/auth.ts';
import { limitSignIns } from '../plugins/rate-limit.ts';
import { errorResponses, Strict, Timestamp } from '../schema.ts';
import { TokenSchema } from '../tokens/token-schemas.ts';
import { csrfTokenOf, type Session } from '../tokens/token-service.ts';

const SessionSchema = Type.Object({
  token: Type.Pick(TokenSchema, ['id', 'name', 'scope', 'environment']),
  csrfToken: Type.String({ description: 'send it as X-CSRF-Token with every change made with this session' }),
  expiresAt: Timestamp,
});

const SignInBody = Strict({
  token: Type.String({ minLength: 1, maxLength: 512, description: 'an API token, read or admin' }),
});

const NOT_SIGNED_IN = 'Not signed in: POST /api/session with {"token": "<API token>"} to sign in.';

const described = ({ secret, token, expiresAt }: Session) => ({
  token: { id: token.id, name: token.name, scope: token.scope, environment: token.environment },
  csrfToken: csrfTokenOf(secret),
  expiresAt: expiresAt.toISOString(),
});

const session: FastifyPluginAsyncTypebox = async (app) => {
  // Secure whenever the browser reached us over HTTPS: PUBLIC_URL says so, or the load balancer
  // that ended TLS (X-Forwarded-Proto). Plain HTTP on loopback keeps the cookie usable locally.
  const secure = (request: FastifyRequest) =>
    app.config.PUBLIC_URL?.startsWith('https:') === true || request.headers['x-forwarded-proto'] === 'https';
  const cookieOptions = (request: FastifyRequest) =>
    ({ path: '/api', httpOnly: true, sameSite: 'strict', secure: secure(request) }) as const;

  await app.register(async (scope) => {
    await limitSignIns(scope);
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/',
      {
        schema: {
          tags: ['session'],
          summary: 'Sign in to the web UI: exchange an API token for a session cookie',
          security: [],
          body: SignInBody,
          response: { 201: SessionSchema, ...errorResponses(400, 401, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const signedIn = await app.tokens.signIn(request.body.token);
        reply.setCookie(SESSION_COOKIE, signedIn.secret, {
          ...cookieOptions(request),
          expires: signedIn.expiresAt,
        });
        return reply.code(201).send(described(signedIn));
      },
    );
  });

  app.get(
    '/',
    {
      schema: {
        tags: ['session'],
        summary: 'Who is signed in, and the CSRF token for changes',
        security: [],
        response: { 200: SessionSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const secret = sessionCookie(request);
      if (!secret) throw errors.unauthorized(NOT_SIGNED_IN);
      return described(await app.tokens.session(secret));
    },
  );

  app.delete(
    '/',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign out: the session ends on the server, on every instance',
        security: [],
        response: { 204: Type.Null(), ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const secret = sessionCookie(request);
      if (secret) {
        if (!carriesCsrfToken(request, secret)) throw errors.csrfTokenMissing();
        await app.tokens.signOut(secret);
      }
      return reply.clearCookie(SESSION_COOKIE, cookieOptions(request)).code(204).send(null);
    },
  );
};

export default session;
