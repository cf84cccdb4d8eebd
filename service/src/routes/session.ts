// Web UI sessions: POST exchanges an API token for a session cookie (HttpOnly, SameSite=Strict,
// Secure behind HTTPS); GET /oidc sends the browser to the identity provider, whose return to
// /oidc/callback opens the same kind of session for the person; GET tells the page who is signed
// in, DELETE signs out, GET /options says which ways to sign in this service offers. The page
// keeps neither the token nor the cookie's secret: it holds only the CSRF token these answers
// carry, which every change it makes sends back (plugins/auth.ts).
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { errors } from '../errors.ts';
import { carriesCsrfToken, SESSION_COOKIE, sessionCookie } from '../plugins/auth.ts';
import { limitSignIns } from '../plugins/rate-limit.ts';
import { errorResponses, Nullable, Strict, Timestamp } from '../schema.ts';
import { SIGN_IN_MINUTES, SignInError } from '../sessions/oidc-sign-in.ts';
import { csrfTokenOf, type Session } from '../sessions/session-service.ts';
import { TokenSchema } from '../tokens/token-schemas.ts';

/** The cookie that carries a sign-in with the identity provider from its start to its return. */
export const SIGN_IN_COOKIE = 'flagstone_sign_in';
const SIGN_IN_PATH = '/api/session/oidc';
/** The web UI's sign-in page, where a failed sign-in is explained. */
const SIGN_IN_PAGE = '/ui/';

const RoleSchema = Type.Object({
  right: Type.Enum(['admin', 'read']),
  environments: Nullable(Type.Array(Type.String())),
});

const SessionSchema = Type.Object({
  signedIn: Type.Object({
    kind: Type.Enum(['person', 'token']),
    name: Type.String(),
  }),
  token: Type.Optional(Type.Pick(TokenSchema, ['id', 'name', 'scope', 'environment'])),
  person: Type.Optional(
    Type.Object({
      subject: Type.String(),
      name: Type.String(),
      email: Nullable(Type.String()),
      roles: Type.Array(RoleSchema, { description: 'what their groups gave them when they signed in' }),
    }),
  ),
  csrfToken: Type.String({ description: 'send it as X-CSRF-Token with every change made with this session' }),
  expiresAt: Timestamp,
});

const OptionsSchema = Type.Object({
  token: Type.Boolean({
    description: 'whether an API token may be exchanged for a session (POST /api/session)',
  }),
  identityProvider: Nullable(
    Type.Object({
      name: Type.String({ description: "the identity provider's name, as the sign-in page shows it" }),
      start: Type.String({ description: 'where the browser goes to sign in with it' }),
    }),
  ),
});

const SignInBody = Strict({
  token: Type.String({ minLength: 1, maxLength: 512, description: 'an API token, read or admin' }),
});

// Providers add parameters of their own to the return (Entra's session_state, for one): those
// are let through unread, each of the known ones bounded.
const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 1024 })),
    iss: Type.Optional(Type.String({ maxLength: 2048 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);

/** How to sign in here: with the identity provider where it is set up, with a token where that is allowed. */
const notSignedIn = (sso: boolean, token: boolean) =>
  `Not signed in: ${[
    sso && `open ${SIGN_IN_PATH} to sign in with your identity provider`,
    token && 'POST /api/session with {"token": "<API token>"} to sign in with an API token',
  ]
    .filter(Boolean)
    .join(', or ')}.`;

const described = ({ secret, principal, expiresAt }: Session) => ({
  signedIn: { kind: principal.kind, name: principal.name },
  ...(principal.kind === 'token'
    ? {
        token: {
          id: principal.id,
          name: principal.name,
          scope: principal.scope,
          environment: principal.environment,
        },
      }
    : {
        person: {
          subject: principal.subject,
          name: principal.name,
          email: principal.email,
          roles: principal.roles,
        },
      }),
  csrfToken: csrfTokenOf(secret),
  expiresAt: expiresAt.toISOString(),
});

const session: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app;
  // Secure whenever the browser reached us over HTTPS: PUBLIC_URL says so, or the load balancer
  // that ended TLS (X-Forwarded-Proto). Plain HTTP on loopback keeps the cookie usable locally.
  const secure = (request: FastifyRequest) =>
    config.PUBLIC_URL?.startsWith('https:') === true || request.headers['x-forwarded-proto'] === 'https';
  const cookieOptions = (request: FastifyRequest) =>
    ({ path: '/api', httpOnly: true, sameSite: 'strict', secure: secure(request) }) as const;
  // The identity provider's return is a cross-site navigation: a Strict cookie would not come back.
  const signInCookieOptions = (request: FastifyRequest) =>
    ({ path: SIGN_IN_PATH, httpOnly: true, sameSite: 'lax', secure: secure(request) }) as const;

  /** Where this service is reached: PUBLIC_URL, else the request's own origin. */
  const publicUrl = (request: FastifyRequest) =>
    (config.PUBLIC_URL ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
  const callbackUrl = (request: FastifyRequest) => `${publicUrl(request)}${SIGN_IN_PATH}/callback`;

  /** Back to the sign-in page, which explains `reason`. */
  const failed = (request: FastifyRequest, reply: FastifyReply, err: unknown) => {
    if (!(err instanceof SignInError)) throw err;
    request.log.warn(
      { reason: err.reason, message: err.message },
      'sign-in with the identity provider failed',
    );
    const page = new URL(SIGN_IN_PAGE, 'http://x');
    page.searchParams.set('signInError', err.reason);
    return reply
      .clearCookie(SIGN_IN_COOKIE, signInCookieOptions(request))
      .redirect(`${page.pathname}${page.search}`);
  };

  app.get(
    '/options',
    {
      schema: {
        tags: ['session'],
        summary: 'The ways to sign in to the web UI this service offers',
        security: [],
        response: { 200: OptionsSchema },
      },
    },
    async () => ({
      token: config.UI_TOKEN_SIGN_IN,
      identityProvider: app.oidc ? { name: app.oidc.issuerName, start: SIGN_IN_PATH } : null,
    }),
  );

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
          response: { 201: SessionSchema, ...errorResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        if (!config.UI_TOKEN_SIGN_IN) throw errors.tokenSignInDisabled();
        const signedIn = await app.sessions.signIn(request.body.token);
        reply.setCookie(SESSION_COOKIE, signedIn.secret, {
          ...cookieOptions(request),
          expires: signedIn.expiresAt,
        });
        return reply.code(201).send(described(signedIn));
      },
    );

    scope.get(
      '/oidc',
      {
        schema: {
          tags: ['session'],
          summary: 'Sign in to the web UI with the identity provider: redirects there',
          security: [],
          response: { 302: Type.Null(), ...errorResponses(404, 429) },
        },
      },
      async (request, reply) => {
        const { oidc } = app;
        if (!oidc) throw errors.singleSignOnOff();
        try {
          const { url, cookie } = await oidc.start(callbackUrl(request));
          reply.setCookie(SIGN_IN_COOKIE, cookie, {
            ...signInCookieOptions(request),
            maxAge: SIGN_IN_MINUTES * 60,
          });
          return reply.redirect(url);
        } catch (err) {
          return failed(request, reply, err);
        }
      },
    );

    scope.withTypeProvider<TypeBoxTypeProvider>().get(
      '/oidc/callback',
      {
        schema: {
          tags: ['session'],
          summary: "The identity provider's return: opens the session, then back to the web UI",
          security: [],
          querystring: CallbackQuery,
          response: { 302: Type.Null(), ...errorResponses(400, 404, 429) },
        },
      },
      async (request, reply) => {
        const { oidc } = app;
        if (!oidc) throw errors.singleSignOnOff();
        const query = new URLSearchParams(request.url.split('?')[1] ?? '');
        const current = new URL(`${callbackUrl(request)}?${query}`);
        try {
          const person = await oidc.finish(current, request.cookies[SIGN_IN_COOKIE]);
          const signedIn = await app.sessions.signInPerson(person);
          request.log.info(
            { subject: person.subject, roles: person.roles },
            'signed in with the identity provider',
          );
          return reply
            .clearCookie(SIGN_IN_COOKIE, signInCookieOptions(request))
            .setCookie(SESSION_COOKIE, signedIn.secret, {
              ...cookieOptions(request),
              expires: signedIn.expiresAt,
            })
            .redirect(SIGN_IN_PAGE);
        } catch (err) {
          return failed(request, reply, err);
        }
      },
    );
  });

  app.get(
    '/',
    {
      schema: {
        tags: ['session'],
        summary: 'Who is signed in (a person or a token), and the CSRF token for changes',
        security: [],
        response: { 200: SessionSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const secret = sessionCookie(request);
      if (!secret) throw errors.unauthorized(notSignedIn(app.oidc !== undefined, config.UI_TOKEN_SIGN_IN));
      return described(await app.sessions.session(secret));
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
        await app.sessions.signOut(secret);
      }
      return reply.clearCookie(SESSION_COOKIE, cookieOptions(request)).code(204).send(null);
    },
  );
};

export default session;
