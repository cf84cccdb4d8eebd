// OFREP over HTTP: reasons, variants and error codes as the spec gives them, bulk with ETag.
import t from 'tap';
import { admin, bearer, buildTestApp, mintToken } from '../helpers/app.ts';
import { bothTransports } from '../helpers/both-transports.ts';
import { createTargetingFixtures } from '../helpers/targeting.ts';

const { app, db } = await buildTestApp(t);
await createTargetingFixtures(app);
const reader = await mintToken(app, { name: 'sdk', scope: 'read' });
// Every OFREP call below goes through inject() and over HTTP, and the two answers must agree.
const send = await bothTransports(t, app);
const evaluate = (key: string, context: unknown, headers: Record<string, string> = bearer(reader.token)) =>
  send({
    method: 'POST',
    url: `/ofrep/v1/evaluate/flags/${key}`,
    headers,
    payload: { context } as object,
  });

t.test('single evaluation: value, variant and reason for each kind of flag', async (t) => {
  const cases: [string, object, object][] = [
    [
      'beta-banner',
      { targetingKey: 'u1', plan: 'beta' },
      { value: true, variant: 'on', reason: 'TARGETING_MATCH' },
    ],
    [
      'beta-banner',
      { targetingKey: 'u1', plan: 'free' },
      { value: false, variant: 'off', reason: 'DEFAULT' },
    ],
    ['beta-banner', {}, { value: false, variant: 'off', reason: 'DEFAULT' }],
    ['max-items', {}, { value: 10, variant: 'default', reason: 'STATIC' }],
    [
      'theme',
      { appVersion: '2.1.0' },
      { value: { background: '#000' }, variant: 'dark', reason: 'TARGETING_MATCH' },
    ],
    [
      'theme',
      { appVersion: '1.9.9' },
      { value: { background: '#fff' }, variant: 'light', reason: 'DEFAULT' },
    ],
    ['theme', { appVersion: 'not-a-version' }, { variant: 'light', reason: 'DEFAULT' }],
    ['paused', { targetingKey: 'u1' }, { value: false, variant: 'off', reason: 'DISABLED' }],
  ];
  for (const [key, context, expected] of cases) {
    const res = await evaluate(key, context);
    t.equal(res.statusCode, 200, `${key} ${JSON.stringify(context)}`);
    t.match(res.json(), { key, metadata: {}, ...expected });
  }
  const split = await evaluate('checkout-button', { targetingKey: 'user-42' });
  t.match(split.json(), { key: 'checkout-button', reason: 'SPLIT', variant: /^(control|treatment)$/ });
});

t.test(
  'a percentage split answers differently for different users, and always the same for one',
  async (t) => {
    const variants = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const user = `user-${i}`;
      variants.set(user, (await evaluate('checkout-button', { targetingKey: user })).json().variant);
    }
    t.same(new Set(variants.values()), new Set(['control', 'treatment']), 'both variants are served');
    for (const [user, variant] of variants) {
      t.equal(
        (await evaluate('checkout-button', { targetingKey: user })).json().variant,
        variant,
        `${user} sticks`,
      );
    }
    const { app: other } = await buildTestApp(t, { database: db });
    for (const [user, variant] of variants) {
      const res = await other.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/checkout-button',
        headers: bearer(reader.token),
        payload: { context: { targetingKey: user } },
      });
      t.equal(res.json().variant, variant, `${user} gets the same variant from another instance`);
    }
  },
);

t.test('errors carry the spec codes', async (t) => {
  const missing = await evaluate('no-such-flag', {});
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { key: 'no-such-flag', errorCode: 'FLAG_NOT_FOUND', errorDetails: String });
  const impossible = await evaluate('Not A Key', {});
  t.equal(impossible.statusCode, 404);
  t.equal(impossible.json().errorCode, 'FLAG_NOT_FOUND');

  const noKey = await evaluate('checkout-button', { plan: 'beta' });
  t.equal(noKey.statusCode, 200, 'a split without a targetingKey is no error: flagd serves the default too');
  t.match(noKey.json(), { key: 'checkout-button', value: 'blue', variant: 'control', reason: 'DEFAULT' });

  for (const context of ['a string', [1, 2], 42]) {
    const res = await evaluate('max-items', context);
    t.equal(res.statusCode, 400, JSON.stringify(context));
    t.match(res.json(), { key: 'max-items', errorCode: 'INVALID_CONTEXT' });
  }

  const parse = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items',
    headers: { ...bearer(reader.token), 'content-type': 'application/json' },
    payload: '{"context": ',
  });
  t.equal(parse.statusCode, 400);
  t.match(parse.json(), { key: 'max-items', errorCode: 'PARSE_ERROR' });
  const unknownField = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items',
    headers: bearer(reader.token),
    payload: { ctx: {} },
  });
  t.match(unknownField.json(), { key: 'max-items', errorCode: 'PARSE_ERROR', errorDetails: /ctx/ });

  const unauthenticated = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items',
    payload: {},
  });
  t.equal(unauthenticated.statusCode, 401);
});

t.test('a body-less request evaluates with an empty context', async (t) => {
  const res = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items',
    headers: bearer(reader.token),
  });
  t.equal(res.statusCode, 200);
  t.equal(res.json().value, 10);
});

t.test('the environment comes from the query or the token; X-API-Key works', async (t) => {
  const staging = await mintToken(app, { name: 'staging-sdk', scope: 'read', environment: 'staging' });
  const own = await evaluate('max-items', {}, { 'x-api-key': staging.token });
  t.equal(own.statusCode, 404, "the token's environment (staging) has no such flag");
  const byQuery = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items?environment=development',
    headers: { 'x-api-key': reader.token },
    payload: {},
  });
  t.equal(byQuery.json().value, 10);
  const forbidden = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items?environment=development',
    headers: { 'x-api-key': staging.token },
    payload: {},
  });
  t.equal(forbidden.statusCode, 403);
});

t.test('bulk: every flag, per-flag failures inside a 200, ETag and 304', async (t) => {
  const bulk = (context: object, headers: Record<string, string> = {}) =>
    send({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags',
      headers: { ...bearer(reader.token), ...headers },
      payload: { context },
    });
  const res = await bulk({ plan: 'beta' });
  t.equal(res.statusCode, 200);
  const byKey = Object.fromEntries(res.json().flags.map((f: { key: string }) => [f.key, f]));
  t.match(byKey['beta-banner'], { value: true, reason: 'TARGETING_MATCH' });
  t.match(byKey['checkout-button'], { value: 'blue', reason: 'DEFAULT' }, 'a split without a targetingKey');
  t.match(byKey.paused, { reason: 'DISABLED' });
  t.equal(Object.keys(byKey).length, 5);

  const etag = res.headers.etag as string;
  t.match(etag, /^"development-\d+-[0-9a-z]+"$/);
  const same = await bulk({ plan: 'beta' }, { 'if-none-match': etag });
  t.equal(same.statusCode, 304);
  t.equal(same.body, '');
  const otherContext = await bulk({ plan: 'free' }, { 'if-none-match': etag });
  t.equal(otherContext.statusCode, 200, 'another context is another answer');
  const two = await bulk({ plan: 'beta', country: 'NL' });
  const reordered = await bulk(
    { country: 'NL', plan: 'beta' },
    { 'if-none-match': two.headers.etag as string },
  );
  t.equal(reordered.statusCode, 304, 'the same attributes in another order are the same context');

  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/max-items',
    headers: admin,
    payload: { defaultValue: 11 },
  });
  const changed = await bulk({ plan: 'beta' }, { 'if-none-match': etag });
  t.equal(changed.statusCode, 200, 'a change makes a new ETag');
  t.not(changed.headers.etag, etag);

  const badEnvironment = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags?environment=moon',
    headers: bearer(reader.token),
    payload: {},
  });
  t.equal(badEnvironment.statusCode, 400);
  t.match(badEnvironment.json(), { errorCode: 'GENERAL', errorDetails: /moon/ });
  const badContext = await bulk('nope' as never);
  t.match(badContext.json(), { errorCode: 'INVALID_CONTEXT' });
});

t.test('rate limits per token: 429 with Retry-After', async (t) => {
  const { app: limited } = await buildTestApp(t, {
    database: db,
    env: { RATE_LIMIT_EVALUATIONS_PER_MINUTE: '3', RATE_LIMIT_ADMIN_PER_MINUTE: '2' },
  });
  const call = (token: string) =>
    limited.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/max-items',
      headers: bearer(token),
      payload: {},
    });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await call(reader.token)).statusCode);
  t.same(statuses, [200, 200, 200, 429]);
  const limitedRes = await call(reader.token);
  t.ok(Number(limitedRes.headers['retry-after']) > 0, 'Retry-After is set');
  t.match(limitedRes.json(), {
    statusCode: 429,
    code: 'RATE_LIMITED',
    message: /'sdk' made more than 3 requests/,
  });
  const another = await mintToken(limited, { name: 'other-sdk', scope: 'read' });
  t.equal((await call(another.token)).statusCode, 200, 'each token has its own budget');
  const adminCalls = [];
  for (let i = 0; i < 3; i++)
    adminCalls.push((await limited.inject({ url: '/api/admin/tokens', headers: admin })).statusCode);
  t.equal(adminCalls.at(-1), 429, 'the admin API is limited too');
});

t.test(
  'configuration (the OFREP extension): polling floor, flag types, no provider caching; ETag',
  async (t) => {
    const configuration = (headers: Record<string, string>) =>
      send({ url: '/ofrep/v1/configuration', headers });
    const res = await configuration(bearer(reader.token));
    t.equal(res.statusCode, 200);
    t.same(res.json(), {
      name: 'flagstone',
      capabilities: {
        cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1000 } },
        flagEvaluation: { supportedTypes: ['boolean', 'string', 'int', 'float', 'object'] },
        caching: { enabled: false },
      },
    });
    const etag = res.headers.etag as string;
    t.match(etag, /^"[0-9a-z]+"$/);
    const same = await configuration({ ...bearer(reader.token), 'if-none-match': etag });
    t.equal(same.statusCode, 304);
    t.equal(same.body, '');
    t.equal((await configuration({})).statusCode, 401, 'it needs a token like every OFREP call');
  },
);

t.test('a context nested deeper than the limit: INVALID_CONTEXT, single and bulk, never a 500', async (t) => {
  const deep = `{"context": {"targetingKey": "u1", "tree": ${'['.repeat(5000)}${']'.repeat(5000)}}}`;
  const headers = { ...bearer(reader.token), 'content-type': 'application/json' };
  const single = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items',
    headers,
    payload: deep,
  });
  t.equal(single.statusCode, 400);
  t.match(single.json(), {
    key: 'max-items',
    errorCode: 'INVALID_CONTEXT',
    errorDetails: /body\.context\.tree\[0\]\[0\].* is nested deeper than 32 levels/,
  });
  const bulk = await send({ method: 'POST', url: '/ofrep/v1/evaluate/flags', headers, payload: deep });
  t.equal(bulk.statusCode, 400);
  t.match(bulk.json(), { errorCode: 'INVALID_CONTEXT', errorDetails: /nested deeper than 32 levels/ });
  const text = await send({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags/max-items',
    headers,
    payload: '{"context": {"note": "a\\u0000b \\ud800"}}',
  });
  t.equal(text.statusCode, 200, 'a NUL or a lone surrogate in a context is only data: evaluated, not stored');
});
