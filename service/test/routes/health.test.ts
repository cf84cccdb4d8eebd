import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';

const { app } = await buildTestApp(t);

t.test('live and ready need no token', async (t) => {
  const live = await app.inject({ url: '/health/live' });
  t.equal(live.statusCode, 200);
  t.same(live.json(), { status: 'ok' });
  const ready = await app.inject({ url: '/health/ready' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', checks: { database: 'up', redis: 'disabled', cachedEntries: 0 } });
});

t.test('ready answers 503 when the database does not', async (t) => {
  const ping = app.database.ping;
  t.teardown(() => {
    app.database.ping = ping;
  });
  app.database.ping = () => new Promise(() => {});
  const hung = await app.inject({ url: '/health/ready' });
  t.equal(hung.statusCode, 503, 'a database that hangs is down, not a hung probe');
  t.same(hung.json(), {
    status: 'unavailable',
    checks: { database: 'down', redis: 'disabled', cachedEntries: 0 },
  });
});

t.test('the OpenAPI document describes every route from its schemas', async (t) => {
  const res = await app.inject({ url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.equal(doc.openapi.slice(0, 2), '3.');
  for (const path of [
    '/api/config/flags/{flagKey}',
    '/api/config/flags',
    '/api/admin/flags',
    '/api/admin/flags/{flagKey}',
    '/api/admin/flags/{flagKey}/history',
    '/api/admin/audit',
    '/api/admin/tokens',
    '/api/admin/tokens/{id}',
    '/api/admin/environments',
    '/health/ready',
  ]) {
    t.ok(doc.paths[path], path);
  }
  t.ok(doc.paths['/api/admin/flags'].post.responses['409'], 'error responses are documented');
  const ui = await app.inject({ url: '/docs' });
  t.ok(ui.statusCode < 400, 'the UI is served');
});
