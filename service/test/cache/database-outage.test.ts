// PostgreSQL unreachable while the service runs: cached flags keep being served, marked
// stale; uncached keys and writes get 503 with Retry-After, never a 500 or a hang.
import t from 'tap';
import { STALE_HEADER } from '../../src/routes/read-api.ts';
import { admin, buildTestApp, counter, createFlag, mintToken, within } from '../helpers/app.ts';
import { createTestDatabase, findPostgres } from '../helpers/database.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';

const noPostgres = !(await findPostgres()) && 'needs PostgreSQL to cut the connection to';

t.test('a warm cache keeps serving while the database is unreachable', { skip: noPostgres }, async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const url = new URL(db.env.DATABASE_URL!);
  const proxy = await tcpProxy(Number(url.port));
  t.teardown(() => proxy.cut());
  url.port = String(proxy.port);
  const { app } = await buildTestApp(t, {
    database: { ...db, env: { DATABASE_URL: url.toString() } },
    env: { L1_TTL_MS: '20' },
  });
  await createFlag(app, { key: 'cached', type: 'boolean', defaultValue: true });
  const reader = await mintToken(app, { name: 'reader', scope: 'read' });
  const headers = { authorization: `Bearer ${reader.token}` };
  t.equal((await app.inject({ url: '/api/config/flags/cached', headers })).statusCode, 200);

  await proxy.cut();
  await new Promise((r) => setTimeout(r, 40)); // the in-process entries are past their lifetime

  const cached = await app.inject({ url: '/api/config/flags/cached', headers });
  t.equal(cached.statusCode, 200, 'a cached flag is still served');
  t.equal(cached.headers[STALE_HEADER], 'stale', 'and marked stale');
  t.match(cached.json(), { key: 'cached', defaultValue: true });
  const list = await app.inject({ url: '/api/config/flags', headers });
  t.equal(list.statusCode, 200);
  t.equal(list.headers[STALE_HEADER], 'stale');
  t.equal(await counter(app, 'flagReads', { source: 'stale' }), 2, 'counted as stale');

  const uncached = await app.inject({ url: '/api/config/flags/never-read', headers });
  t.equal(uncached.statusCode, 503, 'an uncached key is a 503');
  t.equal(uncached.headers['retry-after'], '5');
  t.match(uncached.json(), { code: 'DATABASE_UNAVAILABLE', message: /cannot be reached/ });

  const write = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/cached',
    headers: admin,
    payload: { enabled: true },
  });
  t.equal(write.statusCode, 503, 'a write is a 503, not a 500');
  t.equal(write.headers['retry-after'], '5');
  t.equal(write.json().code, 'DATABASE_UNAVAILABLE');

  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 200, 'still in service: the cache can answer');
  t.match(ready.json(), { status: 'degraded', checks: { database: 'down' } });

  await proxy.restore();
  await within(5000, async () => {
    const fresh = await app.inject({ url: '/api/config/flags/cached', headers });
    return fresh.statusCode === 200 && !fresh.headers[STALE_HEADER];
  });
  t.pass('fresh again once the database is back');
});
