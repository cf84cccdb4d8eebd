// GET /api/admin/flagd/export: the web UI's way to the flagd document. It is the document of
// GET /api/config/flagd, byte for byte, for an admin or read session as for a token, with the same
// ETag and the same refusals.
import t from 'tap';
import { ADMIN_TOKEN, admin, bearer, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** The cookie of a web UI session signed in with `token`. */
async function sessionCookie(app: App, token: string) {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { token } });
  if (res.statusCode !== 201) throw new Error(`sign-in answered ${res.statusCode}: ${res.body}`);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

const URL = '/api/admin/flagd/export?environment=production';

t.test('the same document as the read API, for a session of either scope', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, {
    environment: 'production',
    key: 'checkout',
    enabled: true,
    type: 'string',
    variants: { old: 'v1', new: 'v2' },
    defaultVariant: 'old',
    rules: [
      {
        split: [
          { variant: 'old', weight: 1 },
          { variant: 'new', weight: 1 },
        ],
        seed: 'shop',
      },
    ],
  });
  const read = await app.inject({ url: '/api/config/flagd?environment=production', headers: admin });
  t.equal(read.statusCode, 200);

  const cookie = await sessionCookie(app, ADMIN_TOKEN);
  const viaSession = await app.inject({ url: URL, headers: { cookie } });
  t.equal(viaSession.statusCode, 200, 'an admin session');
  t.match(viaSession.headers['content-type'], /^application\/json/);
  t.equal(viaSession.body, read.body, 'byte for byte the read API document');
  t.equal(viaSession.headers.etag, read.headers.etag, 'with its ETag');
  t.equal(viaSession.json().metadata.flagSetId, 'production');

  const again = await app.inject({
    url: URL,
    headers: { cookie, 'if-none-match': String(read.headers.etag) },
  });
  t.equal(again.statusCode, 304, 'unchanged: 304');

  const reader = await mintToken(app, { name: 'reader', scope: 'read' });
  const readSession = await app.inject({
    url: URL,
    headers: { cookie: await sessionCookie(app, reader.token) },
  });
  t.equal(readSession.statusCode, 200, 'a read session');
  t.equal(readSession.body, read.body);
  t.equal((await app.inject({ url: URL, headers: bearer(reader.token) })).statusCode, 200, 'a read token');
});

t.test('refusals: no session, another environment, an unknown or malformed environment', async (t) => {
  const { app } = await buildTestApp(t);
  const none = await app.inject({ url: URL });
  t.equal(none.statusCode, 401, 'no token, no session');
  t.match(none.json(), { code: String, message: String });

  const staging = await mintToken(app, { name: 'staging-reader', scope: 'read', environment: 'staging' });
  const refused = await app.inject({
    url: URL,
    headers: { cookie: await sessionCookie(app, staging.token) },
  });
  t.equal(refused.statusCode, 403, 'a session limited to another environment');
  t.match(refused.json().message, /staging/);

  const unknown = await app.inject({ url: '/api/admin/flagd/export?environment=nowhere', headers: admin });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'ENVIRONMENT_NOT_FOUND');
  const bad = await app.inject({ url: '/api/admin/flagd/export?environment=Bad!', headers: admin });
  t.equal(bad.statusCode, 400);
  const extra = await app.inject({ url: `${URL}&format=yaml`, headers: admin });
  t.equal(extra.statusCode, 400, 'an unknown query parameter');
});
