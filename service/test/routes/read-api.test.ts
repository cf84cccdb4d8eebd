import t from 'tap';
import { admin, bearer, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';
import { bothTransports } from '../helpers/both-transports.ts';

const { app } = await buildTestApp(t);
// Every read below goes through inject() and over HTTP, and the two answers must agree.
const send = await bothTransports(t, app);

await createFlag(app, { key: 'checkout.v2', type: 'boolean', defaultValue: true, enabled: true });
await createFlag(app, { key: 'banner', type: 'string', defaultValue: 'hi', environment: 'staging' });

t.test('a flag by key, with its version as ETag', async (t) => {
  const res = await send({ url: '/api/config/flags/checkout.v2', headers: admin });
  t.equal(res.statusCode, 200);
  t.equal(res.headers.etag, '"1"');
  t.match(res.json(), {
    key: 'checkout.v2',
    environment: 'development',
    enabled: true,
    type: 'boolean',
    defaultValue: true,
    variants: {},
    rules: [],
    version: 1,
    createdAt: String,
    updatedAt: String,
  });
});

t.test('a key of the longest length allowed (128 characters) can be read and evaluated', async (t) => {
  const key = `long-${'k'.repeat(123)}`;
  await createFlag(app, { key, environment: 'staging', type: 'boolean', defaultValue: true });
  const res = await send({ url: `/api/config/flags/${key}?environment=staging`, headers: admin });
  t.equal(res.statusCode, 200, res.body);
  const evaluated = await send({
    method: 'POST',
    url: `/ofrep/v1/evaluate/flags/${key}?environment=staging`,
    headers: admin,
    payload: {},
  });
  t.equal(evaluated.statusCode, 200, evaluated.body);
});

t.test('the environment comes from the query, else DEFAULT_ENVIRONMENT', async (t) => {
  const staging = await send({ url: '/api/config/flags/banner?environment=staging', headers: admin });
  t.equal(staging.json().defaultValue, 'hi');
  const fallback = await send({ url: '/api/config/flags/banner', headers: admin });
  t.equal(fallback.statusCode, 404, 'banner exists in staging only');
});

t.test('unknown flag and unknown environment are distinct 404s', async (t) => {
  const flag = await send({ url: '/api/config/flags/nope', headers: admin });
  t.equal(flag.statusCode, 404);
  t.equal(flag.json().code, 'FLAG_NOT_FOUND');
  const env = await send({ url: '/api/config/flags/nope?environment=moon', headers: admin });
  t.equal(env.statusCode, 404);
  t.equal(env.json().code, 'ENVIRONMENT_NOT_FOUND');
  const list = await send({ url: '/api/config/flags?environment=moon', headers: admin });
  t.equal(list.json().code, 'ENVIRONMENT_NOT_FOUND');
});

t.test('the list carries an ETag; If-None-Match answers 304 until something changes', async (t) => {
  const first = await send({ url: '/api/config/flags', headers: admin });
  t.equal(first.statusCode, 200);
  const etag = first.headers.etag as string;
  t.match(first.json(), { environment: 'development', revision: Number, flags: [{ key: 'checkout.v2' }] });
  t.equal(etag, `"development-${first.json().revision}"`);

  const same = await send({ url: '/api/config/flags', headers: { ...admin, 'if-none-match': etag } });
  t.equal(same.statusCode, 304);
  t.equal(same.body, '');
  const weakInList = await send({
    url: '/api/config/flags',
    headers: { ...admin, 'if-none-match': `"other", W/${etag}` },
  });
  t.equal(weakInList.statusCode, 304, 'weak and listed tags match too');

  await createFlag(app, { key: 'later', type: 'number', defaultValue: 3 });
  const changed = await send({
    url: '/api/config/flags',
    headers: { ...admin, 'if-none-match': etag },
  });
  t.equal(changed.statusCode, 200);
  t.not(changed.headers.etag, etag);
  t.same(
    changed.json().flags.map((f: { key: string }) => f.key),
    ['checkout.v2', 'later'],
    'sorted by key, the new flag included',
  );
  t.equal(changed.json().revision, first.json().revision + 1);
});

t.test('read tokens read; X-API-Key works like Bearer', async (t) => {
  const { token } = await mintToken(app, { name: 'svc', scope: 'read' });
  const viaBearer = await send({ url: '/api/config/flags/checkout.v2', headers: bearer(token) });
  t.equal(viaBearer.statusCode, 200);
  const viaKey = await send({ url: '/api/config/flags/checkout.v2', headers: { 'x-api-key': token } });
  t.equal(viaKey.statusCode, 200);
});

t.test('a token limited to one environment reads it by default and nothing else', async (t) => {
  const { token } = await mintToken(app, { name: 'staging-svc', scope: 'read', environment: 'staging' });
  const own = await send({ url: '/api/config/flags/banner', headers: bearer(token) });
  t.equal(own.statusCode, 200, 'defaults to the token environment');
  const other = await send({ url: '/api/config/flags?environment=production', headers: bearer(token) });
  t.equal(other.statusCode, 403);
  t.equal(other.json().code, 'FORBIDDEN');
  t.match(other.json().message, /only use environment 'staging'/);
});

t.test('reads need a token', async (t) => {
  const res = await send({ url: '/api/config/flags' });
  t.equal(res.statusCode, 401);
  t.match(res.json(), {
    statusCode: 401,
    code: 'UNAUTHORIZED',
    error: 'Unauthorized',
    message: /Authorization: Bearer/,
  });
  const malformed = await send({ url: '/api/config/flags', headers: { authorization: 'Basic abc' } });
  t.equal(malformed.statusCode, 401);
  t.match(malformed.json().message, /must be "Bearer <token>"/);
});

t.test('every response names its request id, keeping a sane one from the caller', async (t) => {
  const given = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
  t.equal(given.headers['x-request-id'], 'abc-123');
  const odd = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'bad id\n' } });
  t.match(odd.headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-z]+$/);
  const next = await app.inject({ url: '/health/live' });
  t.not(next.headers['x-request-id'], odd.headers['x-request-id'], 'a new id per request');
});
