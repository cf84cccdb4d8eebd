// The hot read over real HTTP: a verified token and a flag held in memory are answered before
// Fastify routes the request, with exactly the route's status, headers and body; everything
// else still reaches the route. inject() never takes the fast path, so it gives the route's answer.
import t, { type Test } from 'tap';
import type { buildApp } from '../../src/app.ts';
import { admin, bearer, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';

async function listening(t: Test, env: Record<string, string> = {}) {
  const { app } = await buildTestApp(t, { env });
  // Counts what Fastify answers (refusals by earlier hooks included); the fast path leaves it alone.
  let routed = 0;
  app.addHook('onResponse', (_request, _reply, done) => {
    routed += 1;
    done();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const http = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const res = await fetch(`${base}${path}`, { headers, method });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
  return { app, http, routed: () => routed };
}

const durationCount = async (app: Awaited<ReturnType<typeof buildApp>>, status: string) => {
  const text = await app.telemetry.registry.metrics();
  const line = text
    .split('\n')
    .find((l: string) =>
      l.startsWith(
        `http_request_duration_seconds_count{method="GET",route="/api/config/flags/:flagKey",status_code="${status}"}`,
      ),
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
