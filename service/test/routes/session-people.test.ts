// A person's web UI session over the real app: their rights per environment are enforced on every
// admin route as a token's scope and environment are, the record names them, sign-out ends the
// session and their change stream; and without single sign-on, or with the identity provider
// unreachable, the sign-in routes say so.
import { createServer } from 'node:net';
import t from 'tap';
import type { Role } from '../../src/access/authorization.ts';
import { admin, buildListeningApp, buildTestApp, createFlag, personSession } from '../helpers/app.ts';
import { openStream } from '../helpers/sse.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const adaSession = (app: App, roles: Role[]) =>
  personSession(app, '00u-ada', 'Ada Lovelace', roles, 'ada@example.com');

t.test(
  "a person's rights per environment: admin where a group gives it, read elsewhere, nothing beyond",
  async (t) => {
    const { app } = await buildTestApp(t);
    for (const environment of ['production', 'staging']) {
      await createFlag(app, { environment, key: 'checkout', type: 'boolean', defaultValue: false });
    }
    const ada = await adaSession(app, [
      { right: 'read', environments: null },
      { right: 'admin', environments: ['staging'] },
    ]);

    const who = (await app.inject({ url: '/api/session', headers: ada })).json();
    t.match(who, {
      signedIn: { kind: 'person', name: 'Ada Lovelace' },
      person: { subject: '00u-ada', email: 'ada@example.com' },
    });
    t.notOk('token' in who);

    const patch = (environment: string) =>
      app.inject({
        method: 'PATCH',
        url: `/api/admin/flags/checkout?environment=${environment}`,
        headers: ada,
        payload: { enabled: true },
      });
    const refused = await patch('production');
    t.equal(refused.statusCode, 403);
    t.match(refused.json(), {
      code: 'FORBIDDEN',
      message:
        "Ada Lovelace (signed in) has only the read role on environment 'production'; this needs admin.",
    });
    t.equal((await patch('staging')).statusCode, 200, 'admin on staging');
    t.equal(
      (await app.inject({ url: '/api/admin/flags?environment=production', headers: ada })).statusCode,
      200,
      'reads production',
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/api/admin/environments',
          headers: ada,
          payload: { key: 'qa' },
        })
      ).statusCode,
      403,
      'creating an environment needs admin everywhere',
    );
    t.equal((await app.inject({ url: '/api/admin/tokens', headers: ada })).statusCode, 403, 'tokens too');
    t.equal(
      (await app.inject({ url: '/api/admin/audit', headers: ada })).statusCode,
      403,
      'the audit of every environment too',
    );
    const change = await app.inject({
      method: 'PATCH',
      url: '/api/admin/flags/checkout?environment=staging',
      headers: { cookie: ada.cookie },
      payload: { enabled: false },
    });
    t.match(change.json(), { statusCode: 403, code: 'CSRF_TOKEN_INVALID' }, 'a change needs the CSRF token');

    const audit = await app.inject({ url: '/api/admin/audit?environment=staging', headers: ada });
    t.equal(audit.statusCode, 200, 'the audit of an environment she administers');
    t.match(audit.json().events, [
      {
        action: 'flag.updated',
        actor: 'Ada Lovelace',
        by: { kind: 'person', name: 'Ada Lovelace', email: 'ada@example.com', subject: '00u-ada' },
      },
      { action: 'flag.created', actor: 'bootstrap', by: { kind: 'token', name: 'bootstrap' } },
    ]);
    t.notOk('email' in audit.json().events[1].by, "a token's event has no email");

    const staging = await adaSession(app, [{ right: 'admin', environments: ['staging', 'development'] }]);
    const none = await app.inject({ url: '/api/admin/flags?environment=production', headers: staging });
    t.match(none.json(), {
      statusCode: 403,
      message: "Ada Lovelace (signed in) has no role on environment 'production'.",
    });
    t.equal(
      (await app.inject({ url: '/api/admin/flags', headers: staging })).statusCode,
      200,
      'the default environment (development) is hers',
    );

    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: ada });
    t.equal(out.statusCode, 204);
    const after = await app.inject({ url: '/api/session', headers: ada });
    t.match(after.json(), { statusCode: 401, code: 'SESSION_ENDED' }, 'signed out');
  },
);

t.test('without single sign-on: the options say so, and its routes answer 404 with the reason', async (t) => {
  const { app } = await buildTestApp(t);
  t.same((await app.inject({ url: '/api/session/options' })).json(), { token: true, identityProvider: null });
  for (const url of ['/api/session/oidc', '/api/session/oidc/callback?code=x&state=y']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 404, url);
    t.match(res.json(), { code: 'SINGLE_SIGN_ON_OFF', message: /OIDC_ISSUER is unset/ });
  }
});

t.test(
  'an unreachable identity provider: back to the sign-in page with the reason; token sign-in works',
  async (t) => {
    // A port nobody listens on: taken, then closed.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { app } = await buildTestApp(t, {
      env: {
        OIDC_ISSUER: `http://127.0.0.1:${port}`,
        OIDC_CLIENT_ID: 'flagstone',
        OIDC_CLIENT_SECRET: 'the-client-secret',
        OIDC_ROLES: 'flag-admins=admin',
      },
    });
    t.same((await app.inject({ url: '/api/session/options' })).json(), {
      token: true,
      identityProvider: { name: `127.0.0.1:${port}`, start: '/api/session/oidc' },
    });
    const start = await app.inject({ url: '/api/session/oidc' });
    t.equal(start.statusCode, 302);
    t.equal(start.headers.location, '/ui/?signInError=idp_unreachable');
    t.notOk(
      start.cookies.some((c) => c.name === 'flagstone_session'),
      'no session',
    );
    const back = await app.inject({
      url: '/api/session/oidc/callback?code=x&state=y',
      headers: { cookie: 'flagstone_sign_in=forged.cookie' },
    });
    t.equal(
      back.headers.location,
      '/ui/?signInError=sign_in_expired',
      'a cookie it did not sign is refused first',
    );
    const token = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { token: admin.authorization.slice(7) },
    });
    t.equal(token.statusCode, 201, 'token sign-in works');
    const tooLong = await app.inject({ url: `/api/session/oidc/callback?code=${'x'.repeat(5000)}` });
    t.equal(tooLong.statusCode, 400, 'an outsized return is refused by its schema');
  },
);

t.test('UI_TOKEN_SIGN_IN=false refuses a token at sign-in, and only there', async (t) => {
  const { app } = await buildTestApp(t, {
    env: {
      OIDC_ISSUER: 'http://127.0.0.1:9',
      OIDC_CLIENT_ID: 'flagstone',
      OIDC_ROLES: 'flag-admins=admin',
      UI_TOKEN_SIGN_IN: 'false',
    },
  });
  const res = await app.inject({
    method: 'POST',
    url: '/api/session',
    payload: { token: admin.authorization.slice(7) },
  });
  t.equal(res.statusCode, 403);
  t.match(res.json(), {
    code: 'TOKEN_SIGN_IN_DISABLED',
    message:
      /switched off here \(UI_TOKEN_SIGN_IN=false\)\. Sign in with your identity provider: GET \/api\/session\/oidc\./,
  });
  t.notOk(res.headers['set-cookie']);
  const nobody = await app.inject({ url: '/api/session' });
  t.equal(nobody.statusCode, 401);
  t.equal(
    nobody.json().message,
    'Not signed in: open /api/session/oidc to sign in with your identity provider.',
    'the way in that is offered here, and only that one',
  );
  t.equal(
    (await createFlag(app, { key: 'still', type: 'boolean', defaultValue: true })).key,
    'still',
    'tokens still call the API',
  );
});

t.test(
  "a person's change stream follows their session: only where they may read, and sign-out ends it",
  async (t) => {
    const { app, base } = await buildListeningApp(t);
    const ada = await adaSession(app, [{ right: 'admin', environments: ['staging'] }]);
    const refused = await openStream(`${base}/api/admin/events?environment=production`, {
      cookie: ada.cookie,
    });
    t.equal(refused.status, 403, 'no stream of an environment she has no role on');
    refused.close();
    const stream = await openStream(`${base}/api/admin/events?environment=staging`, { cookie: ada.cookie });
    t.equal(stream.status, 200);
    await app.inject({
      method: 'POST',
      url: '/api/admin/flags?environment=staging',
      headers: ada,
      payload: { key: 'banner', type: 'boolean', defaultValue: false },
    });
    const event = await stream.next(10_000);
    t.match(JSON.parse(event.data!), { type: 'refetchEvaluation', etag: /^"staging-\d+"$/ });
    t.equal((await app.inject({ method: 'DELETE', url: '/api/session', headers: ada })).statusCode, 204);
    await stream.ended;
    t.ok(stream.closed(), 'the stream ended with the session');
  },
);
