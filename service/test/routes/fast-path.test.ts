// The hot read and the OFREP evaluation over real HTTP: a verified token and a flag held in
// memory are answered before Fastify routes the request, with exactly the route's status,
// headers and body; everything else still reaches the route (an evaluation with the body the
// fast path read). inject() never takes the fast path, so it gives the route's answer.
import { once } from 'node:events';
import { connect } from 'node:net';
import t, { type Test } from 'tap';
import type { buildApp } from '../../src/app.ts';
import { admin, bearer, buildTestApp, createFlag, mintToken, routedCounter } from '../helpers/app.ts';
import { createTargetingFixtures } from '../helpers/targeting.ts';

async function listening(t: Test, env: Record<string, string> = {}) {
  const { plugin, routed } = routedCounter();
  const { app } = await buildTestApp(t, { env, plugins: [plugin] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const http = async (
    path: string,
    headers: Record<string, string> = {},
    method = 'GET',
    body?: string | ReadableStream,
  ) => {
    const res = await fetch(`${base}${path}`, { headers, method, body, duplex: 'half' } as RequestInit);
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
  return { app, http, base, routed };
}

const durationCount = async (
  app: Awaited<ReturnType<typeof buildApp>>,
  status: string,
  series = 'method="GET",route="/api/config/flags/:flagKey"',
) => {
  const text = await app.telemetry.registry.metrics();
  const line = text
    .split('\n')
    .find((l: string) =>
      l.startsWith(`http_request_duration_seconds_count{${series},status_code="${status}"}`),
    );
  return Number(line?.split(' ')[1] ?? 0);
};

t.test('a verified token and a held flag: the same answer as the route, without the route', async (t) => {
  const { app, http, routed } = await listening(t);
  await createFlag(app, { key: 'hot', type: 'string', defaultValue: 'on' });
  const { token } = await mintToken(app, { name: 'reader', scope: 'read' });
  const path = '/api/config/flags/hot';

  const first = await http(path, bearer(token)); // verifies the token: through the route
  t.equal(first.status, 200);
  const before = routed();
  const fast = await http(path, bearer(token));
  t.equal(routed(), before, 'answered before routing');
  const route = await app.inject({ url: path, headers: bearer(token) });

  t.equal(fast.status, route.statusCode);
  t.equal(fast.body, route.body, 'the same body');
  for (const header of ['etag', 'content-type', 'content-length'])
    t.equal(fast.headers[header], route.headers[header], `the same ${header}`);
  t.match(fast.headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-z]+$/);
  t.not(fast.headers['x-request-id'], first.headers['x-request-id'], 'a new request id');
  const echoed = await http(path, { ...bearer(token), 'x-request-id': 'caller-42' });
  t.equal(echoed.headers['x-request-id'], 'caller-42', "a caller's request id is kept");

  const viaApiKey = await http(path, { 'x-api-key': token });
  t.equal(viaApiKey.body, route.body, 'X-API-Key works the same');
  t.equal(routed(), before + 1, 'all of them without the route (but the inject)');
  const staging = await http(`${path}?environment=staging`, bearer(token));
  t.equal(staging.status, 404, 'a flag not held: the route answers');
  t.equal(routed(), before + 2);

  const counted = await durationCount(app, '200');
  await http(path, bearer(token));
  t.equal(await durationCount(app, '200'), counted + 1, 'counted in the latency histogram');
});

t.test('a change is served at once; a revoked token is refused at once', async (t) => {
  const { app, http } = await listening(t);
  await createFlag(app, { key: 'changing', type: 'number', defaultValue: 1 });
  const { id, token } = await mintToken(app, { name: 'reader', scope: 'read' });
  const path = '/api/config/flags/changing';
  await http(path, bearer(token));
  t.match(JSON.parse((await http(path, bearer(token))).body), { version: 1, defaultValue: 1 });
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/changing',
    headers: admin,
    payload: { defaultValue: 2 },
  });
  t.match(JSON.parse((await http(path, bearer(token))).body), { version: 2, defaultValue: 2 });

  await app.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin });
  const refused = await http(path, bearer(token));
  t.equal(refused.status, 401);
  t.match(JSON.parse(refused.body), { code: 'UNAUTHORIZED', message: /was revoked/ });
});

t.test('everything else reaches the route and gets its answer', async (t) => {
  const { app, http, routed } = await listening(t);
  await createFlag(app, { key: 'hot', type: 'boolean', defaultValue: true });
  const { token } = await mintToken(app, { name: 'reader', scope: 'read' });
  const { token: stagingOnly } = await mintToken(app, {
    name: 'staging',
    scope: 'read',
    environment: 'staging',
  });
  await http('/api/config/flags/hot', bearer(token));
  await http('/api/config/flags/hot', bearer(stagingOnly));

  const cases: [string, Record<string, string>, number, string?][] = [
    ['/api/config/flags/hot', {}, 401],
    ['/api/config/flags/hot', bearer('fs_unknown'), 401],
    ['/api/config/flags/hot', { authorization: 'Basic abc' }, 401],
    ['/api/config/flags/hot', bearer(stagingOnly), 404],
    ['/api/config/flags/hot?environment=production', bearer(stagingOnly), 403],
    ['/api/config/flags/missing', bearer(token), 404],
    ['/api/config/flags/hot?extra=1', bearer(token), 400],
    ['/api/config/flags/hot?environment=Bad!', bearer(token), 400],
    ['/api/config/flags/NOT_A_KEY', bearer(token), 400],
    ['/api/config/flags/hot', bearer(token), 200, 'HEAD'],
  ];
  for (const [path, headers, status, method] of cases) {
    const before = routed();
    const res = await http(path, headers, method);
    t.equal(routed(), before + 1, 'answered by the route');
    const route = await app.inject({ url: path, headers, method: (method ?? 'GET') as 'GET' });
    t.equal(res.status, status, `${method ?? 'GET'} ${path}`);
    t.equal(res.body, route.body, 'with the route body');
  }
});

t.test('under pressure the route answers 503, as for every request', async (t) => {
  const { app, http } = await listening(t, { MAX_HEAP_USED_BYTES: '1' });
  await createFlag(app, { key: 'hot', type: 'boolean', defaultValue: true });
  let res = await http('/api/config/flags/hot', admin);
  for (let i = 0; i < 100 && res.status !== 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    res = await http('/api/config/flags/hot', admin);
  }
  t.equal(res.status, 503);
  t.equal(res.headers['retry-after'], '5');
});

const JSON_BODY = { 'content-type': 'application/json' };
const EVALUATE = '/ofrep/v1/evaluate/flags/';

/** An OFREP evaluation over HTTP and through inject, for comparing the two answers. */
async function evaluating(t: Test, env: Record<string, string> = {}) {
  const listened = await listening(t, env);
  const { app, http } = listened;
  await createTargetingFixtures(app);
  const { token } = await mintToken(app, { name: 'sdk', scope: 'read' });
  const evaluate = (path: string, body: string, headers: Record<string, string> = bearer(token)) =>
    http(`${EVALUATE}${path}`, { ...JSON_BODY, ...headers }, 'POST', body);
  const viaRoute = (path: string, body: string, headers: Record<string, string> = bearer(token)) =>
    app.inject({ method: 'POST', url: `${EVALUATE}${path}`, headers: { ...JSON_BODY, ...headers }, body });
  await evaluate('max-items', '{}'); // verifies the token: through the route
  return { ...listened, token, evaluate, viaRoute };
}

t.test('an OFREP evaluation: the same answer as the route, without the route', async (t) => {
  const { app, evaluate, viaRoute, routed, token } = await evaluating(t);
  const cases: [string, string, Record<string, string>?][] = [
    ['beta-banner', JSON.stringify({ context: { targetingKey: 'u1', plan: 'beta' } })],
    ['beta-banner', JSON.stringify({ context: { targetingKey: 'u1', plan: 'free' } })],
    ['checkout-button', JSON.stringify({ context: { targetingKey: 'user-42' } })],
    ['theme', JSON.stringify({ context: { appVersion: '2.1.0', ünïcode: 'ß' } })],
    ['paused', '{"context":{}}'],
    ['theme', '{"context":{"appVersion":"2.1.0","caf\\u00e9":"\\u00df"}}'],
    ['max-items', '{}'],
    ['max-items', 'null'],
    ['max-items', '{"context":null}'],
    ['max-items?environment=development', '{}'],
    ['max-items', '{}', { 'x-api-key': token }],
    ['max-items', '{}', { ...bearer(token), 'content-type': 'application/json; charset=utf-8' }],
  ];
  for (const [path, body, headers] of cases) {
    const before = routed();
    const fast = await evaluate(path, body, headers);
    t.equal(routed(), before, `${path} ${body}: answered before routing`);
    const route = await viaRoute(path, body, headers);
    t.equal(fast.status, 200);
    t.equal(route.statusCode, 200);
    t.equal(fast.body, route.body, 'the same body');
    for (const header of ['content-type', 'content-length'])
      t.equal(fast.headers[header], route.headers[header], `the same ${header}`);
    t.match(fast.headers['x-request-id'], /^[0-9a-f]{8}-[0-9a-z]+$/);
  }
  const series = 'method="POST",route="/ofrep/v1/evaluate/flags/:key"';
  const counted = await durationCount(app, '200', series);
  await evaluate('max-items', '{}');
  t.equal(await durationCount(app, '200', series), counted + 1, 'counted in the latency histogram');
});

t.test('a body that arrives after its headers is read as it comes', async (t) => {
  const { base, routed, token, viaRoute } = await evaluating(t);
  const body = JSON.stringify({ context: { targetingKey: 'u1', plan: 'beta' } });
  const socket = connect(Number(new URL(base).port), '127.0.0.1');
  await once(socket, 'connect');
  const before = routed();
  socket.write(
    `POST ${EVALUATE}beta-banner HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\n` +
      `content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
  );
  const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
  await pause();
  socket.write(body.slice(0, 10));
  await pause();
  socket.end(body.slice(10));
  let response = '';
  for await (const chunk of socket) response += chunk;
  t.match(response, /^HTTP\/1.1 200 OK/);
  t.equal(routed(), before, 'answered before routing');
  t.equal(response.slice(response.indexOf('\r\n\r\n') + 4), (await viaRoute('beta-banner', body)).body);
});

t.test('every other evaluation reaches the route, with the body the fast path read', async (t) => {
  const { evaluate, viaRoute, routed, token } = await evaluating(t);
  const big = JSON.stringify({ context: { targetingKey: 'u1', padding: 'x'.repeat(20_000) } });
  const cases: [string, string, number, Record<string, string>?][] = [
    ['max-items', '{"context":', 400],
    ['max-items', '{"context":{},"extra":1}', 400],
    ['max-items', '{"context":[1]}', 400],
    ['max-items', '{"context":"u1"}', 400],
    ['max-items', '[]', 400],
    ['max-items', '"text"', 400],
    ['max-items', '{"context":{"__proto__":{"admin":true}}}', 400],
    ['max-items', '{"context":{"constructor":{"prototype":{}}}}', 400],
    ['max-items', '{"context":{"\\u005f_proto__":"x"}}', 400],
    ['max-items', '{"context":{"\\u0063onstructor":{"prototype":{}}}}', 400],
    ['max-items', big, 200],
    ['missing', '{}', 404],
    ['NOT_A_KEY', '{}', 404],
    ['max-items?extra=1', '{}', 400],
    ['max-items?environment=moon', '{}', 404],
    ['max-items', '{}', 401, bearer('fs_unknown')],
    ['max-items', '{}', 415, { ...bearer(token), 'content-type': 'text/plain' }],
  ];
  for (const [path, body, status, headers] of cases) {
    const before = routed();
    const res = await evaluate(path, body, headers);
    t.equal(routed(), before + 1, 'answered by the route');
    const route = await viaRoute(path, body, headers);
    t.equal(res.status, status, `${path} ${body.slice(0, 60)}`);
    t.equal(res.body, route.body, 'with the route body');
  }
  // A split without a targetingKey serves the default: an answer the fast path holds, not an error.
  const routedBefore = routed();
  const noKey = await evaluate('checkout-button', '{"context":{}}');
  t.equal(routed(), routedBefore, 'a split without a targetingKey is answered by the fast path');
  t.equal(noKey.status, 200);
  t.equal(noKey.body, (await viaRoute('checkout-button', '{"context":{}}')).body, 'as the route answers');
  const chunked = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"context":{"targetingKey":"u1"}}'));
      controller.close();
    },
  });
  const before = routed();
  const streamed = await evaluate('max-items', chunked as never);
  t.equal(streamed.status, 200, 'a chunked body');
  t.equal(routed(), before + 1, 'is read by the route');
});

t.test('the fast evaluation counts against the rate limit; the route refuses past it', async (t) => {
  const { evaluate, routed } = await evaluating(t, { RATE_LIMIT_EVALUATIONS_PER_MINUTE: '4' });
  const before = routed();
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await evaluate('max-items', '{}')).status);
  t.same(statuses, [200, 200, 200, 429], 'the request that verified the token counted too');
  t.equal(routed(), before + 1, 'only the refusal came from the route');
  const refused = await evaluate('max-items', '{}');
  t.equal(refused.status, 429);
  t.ok(Number(refused.headers['retry-after']) > 0, 'with Retry-After');
  t.match(JSON.parse(refused.body), { code: 'RATE_LIMITED' });
});
