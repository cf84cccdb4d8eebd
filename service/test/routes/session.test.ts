// Web UI sessions over the real app: sign-in exchanges a token for an HttpOnly, SameSite=Strict
// cookie; the cookie stands in for the token on the admin API only, and a change made with it
// needs the session's CSRF token; read sessions read and change nothing; sign-out, expiry and
// revocation end a session on every instance; sign-ins are rate limited per client address.
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import {
  ADMIN_TOKEN,
  admin,
  buildListeningApp,
  buildTestApp,
  createFlag,
  createSegment,
  mintToken,
  snapshot,
} from '../helpers/app.ts';
import { openStream } from '../helpers/sse.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

interface SignedIn {
  cookie: string;
  csrf: string;
  setCookie: string;
  body: { token: { name: string; scope: string; environment: string | null }; csrfToken: string };
}

async function signIn(app: App, token: string, headers: Record<string, string> = {}): Promise<SignedIn> {
  const res = await app.inject({ method: 'POST', url: '/api/session', headers, payload: { token } });
  if (res.statusCode !== 201) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  const setCookie = String(res.headers['set-cookie']);
  const body = res.json();
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrfToken, setCookie, body };
}

const withSession = (s: SignedIn, csrf = true) => ({
  cookie: s.cookie,
  ...(csrf ? { 'x-csrf-token': s.csrf } : {}),
});

t.test('a wrong token is refused with the reason and no cookie; the right one signs in', async (t) => {
  const { app } = await buildTestApp(t);
  const wrong = await app.inject({ method: 'POST', url: '/api/session', payload: { token: 'fs_nope' } });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.json(), { code: 'UNAUTHORIZED', message: /Unknown API token/ });
  t.notOk(wrong.headers['set-cookie']);

  for (const payload of [{}, { token: '' }, { token: ADMIN_TOKEN, remember: true }]) {
    const bad = await app.inject({ method: 'POST', url: '/api/session', payload });
    t.equal(bad.statusCode, 400, JSON.stringify(payload));
    t.notOk(bad.headers['set-cookie']);
  }

  const s = await signIn(app, ADMIN_TOKEN);
  t.match(
    s.setCookie,
    /^flagstone_session=[A-Za-z0-9_-]{43}; Path=\/api; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
  );
  t.match(s.body, {
    token: { name: 'bootstrap', scope: 'admin', environment: null },
    csrfToken: /^[\w-]{43}$/,
  });
  const expires = Date.parse(/Expires=([^;]+)/.exec(s.setCookie)![1]!);
  t.ok(
    Math.abs(expires - (Date.now() + 12 * 3600_000)) < 60_000,
    'the cookie ends with the session, in 12 h',
  );

  const who = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } });
  t.equal(who.statusCode, 200);
  t.same(who.json(), s.body, 'a reload gets the same session and CSRF token');
  const nobody = await app.inject({ method: 'GET', url: '/api/session' });
  t.equal(nobody.statusCode, 401);
  t.equal(
    nobody.json().message,
    'Not signed in: POST /api/session with {"token": "<API token>"} to sign in with an API token.',
    'without single sign-on, a token is the way in',
  );

  // Only a hash of the cookie's secret is kept.
  const secret = s.cookie.split('=')[1]!;
  const rows = await app.database.client.$queryRawUnsafe<{ secret_hash: string }[]>(
    'SELECT secret_hash FROM sessions',
  );
  t.same(
    rows.map((r) => r.secret_hash),
    [createHash('sha256').update(secret).digest('hex')],
  );
});

t.test('the cookie is Secure when the browser came over HTTPS', async (t) => {
  const { app } = await buildTestApp(t);
  t.match((await signIn(app, ADMIN_TOKEN, { 'x-forwarded-proto': 'https' })).setCookie, /; Secure/);
  t.notMatch((await signIn(app, ADMIN_TOKEN)).setCookie, /Secure/);
  const behind = await buildTestApp(t, { env: { PUBLIC_URL: 'https://flags.example.com' } });
  t.match((await signIn(behind.app, ADMIN_TOKEN)).setCookie, /; Secure/);
});

t.test('a change made with the cookie needs its CSRF token; without it nothing changes', async (t) => {
  const { app } = await buildTestApp(t);
  const s = await signIn(app, ADMIN_TOKEN);
  const before = await snapshot(app);
  for (const headers of [
    withSession(s, false),
    { ...withSession(s, false), 'x-csrf-token': `${s.csrf.slice(1)}x` },
  ]) {
    for (const [method, url, payload] of [
      ['POST', '/api/admin/flags', { key: 'sneaky' }],
      ['POST', '/api/admin/tokens', { name: 'sneaky', scope: 'admin' }],
      ['DELETE', '/api/session', undefined],
    ] as const) {
      const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      t.equal(res.statusCode, 403, `${method} ${url}`);
      t.match(res.json(), { code: 'CSRF_TOKEN_INVALID', message: /X-CSRF-Token header/ });
    }
  }
  t.same(await snapshot(app), before, 'nothing was written');

  const created = await app.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: withSession(s),
    payload: { key: 'made-in-ui' },
  });
  t.equal(created.statusCode, 201);
  const history = await app.inject({ url: '/api/admin/flags/made-in-ui/history', headers: admin });
  t.equal(history.json().events[0].actor, 'bootstrap', 'the change is the signed-in token’s');
  const read = await app.inject({ url: '/api/admin/flags/made-in-ui', headers: withSession(s, false) });
  t.equal(read.statusCode, 200, 'a read needs no CSRF token');
});

t.test('the cookie stands in for a token on the admin API only; a token sent wins over it', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, { key: 'banner', enabled: true });
  const s = await signIn(app, ADMIN_TOKEN);
  for (const [method, url] of [
    ['GET', '/api/config/flags/banner'],
    ['GET', '/api/config/flags'],
    ['POST', '/ofrep/v1/evaluate/flags/banner'],
    ['POST', '/ofrep/v1/evaluate/flags'],
  ] as const) {
    const res = await app.inject({
      method,
      url,
      headers: withSession(s),
      ...(method === 'POST' ? { payload: { context: {} } } : {}),
    });
    t.equal(res.statusCode, 401, `${method} ${url}`);
  }
  const { token } = await mintToken(app, { name: 'viewer', scope: 'read' });
  const asRead = await app.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: { ...withSession(s), authorization: `Bearer ${token}` },
    payload: { key: 'nope' },
  });
  t.equal(asRead.statusCode, 403, 'the Authorization header decides, not the cookie');
  t.match(asRead.json().message, /scope 'read'/);
});

t.test('a read session reads flags, segments, history and environments, and changes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, { key: 'banner', enabled: true });
  await createSegment(app, {
    key: 'staff',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  const { token } = await mintToken(app, { name: 'viewer', scope: 'read' });
  const s = await signIn(app, token);
  t.match(s.body.token, { name: 'viewer', scope: 'read' });
  for (const url of [
    '/api/admin/flags',
    '/api/admin/flags/banner',
    '/api/admin/flags/banner/history',
    '/api/admin/segments',
    '/api/admin/segments/staff',
    '/api/admin/environments',
  ]) {
    t.equal((await app.inject({ url, headers: withSession(s, false) })).statusCode, 200, url);
  }
  const evaluated = await app.inject({
    method: 'POST',
    url: '/api/admin/flags/banner/evaluate',
    headers: withSession(s),
    payload: { context: { targetingKey: 'u1' } },
  });
  t.equal(evaluated.statusCode, 200, 'the playground evaluates for a read session');

  const before = await snapshot(app);
  for (const [method, url, payload] of [
    ['GET', '/api/admin/tokens', undefined],
    ['GET', '/api/admin/audit', undefined],
    ['POST', '/api/admin/flags', { key: 'nope' }],
    ['PATCH', '/api/admin/flags/banner', { enabled: false }],
    ['DELETE', '/api/admin/flags/banner', undefined],
    ['POST', '/api/admin/segments', { key: 'nope' }],
    ['POST', '/api/admin/tokens', { name: 'nope', scope: 'admin' }],
    ['POST', '/api/admin/environments', { key: 'nope' }],
  ] as const) {
    const res = await app.inject({ method, url, headers: withSession(s), ...(payload ? { payload } : {}) });
    t.equal(res.statusCode, 403, `${method} ${url}`);
    t.match(res.json().message, /scope 'read'; this endpoint needs an admin token/);
  }
  t.same(await snapshot(app), before);

  // The same reads with the read token itself: the admin API's reads are open to read tokens.
  const direct = await app.inject({ url: '/api/admin/flags', headers: { authorization: `Bearer ${token}` } });
  t.equal(direct.statusCode, 200);
});

t.test('a session of a token limited to one environment stays in it', async (t) => {
  const { app } = await buildTestApp(t);
  const { token } = await mintToken(app, { name: 'staging-admin', scope: 'admin', environment: 'staging' });
  const s = await signIn(app, token);
  t.equal(s.body.token.environment, 'staging');
  t.equal(
    (await app.inject({ url: '/api/admin/flags?environment=staging', headers: withSession(s) })).statusCode,
    200,
  );
  const other = await app.inject({ url: '/api/admin/flags?environment=production', headers: withSession(s) });
  t.equal(other.statusCode, 403);
  t.match(other.json().message, /may only use environment 'staging'/);
  t.equal((await app.inject({ url: '/api/admin/environments', headers: withSession(s) })).statusCode, 403);
});

t.test('sign-out, expiry and revocation end a session, on every instance', async (t) => {
  const a = await buildTestApp(t);
  if (a.db.kind === 'pglite') {
    t.comment('two instances need PostgreSQL: skipped');
    return;
  }
  const b = await buildTestApp(t, { database: a.db });
  const s = await signIn(a.app, ADMIN_TOKEN);
  t.equal(
    (await b.app.inject({ url: '/api/admin/flags', headers: withSession(s) })).statusCode,
    200,
    'B honours A’s session',
  );

  const out = await b.app.inject({ method: 'DELETE', url: '/api/session', headers: withSession(s) });
  t.equal(out.statusCode, 204);
  t.match(
    String(out.headers['set-cookie']),
    /^flagstone_session=; Max-Age=0; Path=\/api; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/,
  );
  for (const app of [a.app, b.app]) {
    const refused = await app.inject({ url: '/api/admin/flags', headers: withSession(s) });
    t.equal(refused.statusCode, 401);
    t.match(refused.json(), { code: 'SESSION_ENDED', message: /Sign in again/ });
    t.equal((await app.inject({ url: '/api/session', headers: withSession(s) })).statusCode, 401);
  }
  const again = await a.app.inject({ method: 'DELETE', url: '/api/session', headers: withSession(s) });
  t.equal(again.statusCode, 204, 'signing out twice is no error');

  const expiring = await signIn(a.app, ADMIN_TOKEN);
  await a.app.database.client.$executeRawUnsafe(
    "UPDATE sessions SET expires_at = now() - interval '1 second'",
  );
  t.equal(
    (await b.app.inject({ url: '/api/admin/flags', headers: withSession(expiring) })).statusCode,
    401,
    'expired',
  );

  const { id, token } = await mintToken(a.app, { name: 'temp', scope: 'admin' });
  const revoked = await signIn(a.app, token);
  t.equal((await b.app.inject({ url: '/api/admin/flags', headers: withSession(revoked) })).statusCode, 200);
  t.equal(
    (await a.app.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin })).statusCode,
    204,
  );
  t.equal(
    (await b.app.inject({ url: '/api/admin/flags', headers: withSession(revoked) })).statusCode,
    401,
    'revoked token',
  );
});

const listening = (t: Test, env: Record<string, string>) => buildListeningApp(t, { env });

const attempt = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token: 'fs_guess' }),
  });

t.test('sign-in attempts are limited per client address', async (t) => {
  const { base } = await listening(t, { RATE_LIMIT_SIGN_INS_PER_MINUTE: '3' });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await attempt(base)).status);
  t.same(statuses, [401, 401, 401, 429]);
  const limited = await attempt(base);
  t.ok(Number(limited.headers.get('retry-after')) >= 1);
  t.match(await limited.json(), { code: 'RATE_LIMITED', message: /sign-in attempts came from this address/ });
  t.equal(
    (await attempt(base, { 'x-forwarded-for': '203.0.113.9' })).status,
    429,
    'a forwarded-for header is not trusted',
  );

  const behind = await listening(t, { RATE_LIMIT_SIGN_INS_PER_MINUTE: '3', TRUSTED_PROXY_HOPS: '1' });
  const from = (ip: string) => attempt(behind.base, { 'x-forwarded-for': `198.51.100.1, ${ip}` });
  for (let i = 0; i < 3; i++) t.equal((await from('203.0.113.1')).status, 401);
  t.equal((await from('203.0.113.1')).status, 429);
  t.equal((await from('203.0.113.2')).status, 401, 'behind a proxy, each client address has its own budget');
});

t.test("the UI's change stream follows the session, and sign-out ends it", async (t) => {
  const { app, base } = await listening(t, {});
  await createFlag(app, { key: 'banner' });
  const s = await signIn(app, ADMIN_TOKEN);
  const refused = await openStream(`${base}/api/admin/events?environment=development`);
  t.equal(refused.status, 401, 'no session, no stream');
  refused.close();
  const stream = await openStream(`${base}/api/admin/events?environment=development`, { cookie: s.cookie });
  t.equal(stream.status, 200);
  t.match(stream.headers['content-type'], /^text\/event-stream/);
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/banner',
    headers: admin,
    payload: { enabled: true },
  });
  const event = await stream.next(10_000);
  t.match(JSON.parse(event.data!), { type: 'refetchEvaluation', etag: /^"development-\d+"$/ });
  t.equal(
    (await app.inject({ method: 'DELETE', url: '/api/session', headers: withSession(s) })).statusCode,
    204,
  );
  await stream.ended;
  t.ok(stream.closed(), 'the stream ended with the session');
});
