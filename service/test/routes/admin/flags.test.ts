import t from 'tap';
import { admin, buildTestApp, createFlag } from '../../helpers/app.ts';

const { app } = await buildTestApp(t);

const revisionOf = async (environment: string) => {
  const res = await app.inject({ url: '/api/admin/environments', headers: admin });
  return res.json().environments.find((e: { key: string }) => e.key === environment).revision as number;
};

t.test('create answers 201 with the flag, its location and version', async (t) => {
  const before = await revisionOf('production');
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: admin,
    payload: {
      key: 'pricing',
      environment: 'production',
      type: 'json',
      defaultValue: { tier: 'basic' },
      variants: { pro: { tier: 'pro' } },
      description: 'pricing page layout',
    },
  });
  t.equal(res.statusCode, 201);
  t.equal(res.headers.location, '/api/config/flags/pricing?environment=production');
  t.equal(res.headers.etag, '"1"');
  t.match(res.json(), { key: 'pricing', enabled: false, version: 1, variants: { pro: { tier: 'pro' } } });
  t.equal(await revisionOf('production'), before + 1, 'the environment revision moves with the write');
});

t.test('PATCH changes only what it names, bumps version and revision, and audits before/after', async (t) => {
  await createFlag(app, { key: 'dark-mode', type: 'boolean', defaultValue: false, description: 'keep me' });
  const revision = await revisionOf('development');
  const res = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/dark-mode',
    headers: admin,
    payload: { enabled: true },
  });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { enabled: true, description: 'keep me', version: 2 });
  t.equal(res.headers.etag, '"2"');
  t.equal(await revisionOf('development'), revision + 1);

  const read = await app.inject({ url: '/api/config/flags/dark-mode', headers: admin });
  t.equal(read.json().version, 2, 'the instance that wrote serves the new version at once');

  const history = await app.inject({ url: '/api/admin/flags/dark-mode/history', headers: admin });
  const [updated, created] = history.json().events;
  t.match(updated, {
    action: 'flag.updated',
    actor: 'bootstrap',
    environment: 'development',
    flagKey: 'dark-mode',
    version: 2,
    before: { enabled: false, version: 1 },
    after: { enabled: true, version: 2 },
  });
  t.match(created, { action: 'flag.created', before: null, after: { version: 1 } });
});

t.test('If-Match makes a change conditional on the version', async (t) => {
  await createFlag(app, { key: 'limits', type: 'number', defaultValue: 10 });
  const ok = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/limits',
    headers: { ...admin, 'if-match': '"1"' },
    payload: { defaultValue: 20 },
  });
  t.equal(ok.statusCode, 200);
  const stale = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/limits',
    headers: { ...admin, 'if-match': '1' },
    payload: { defaultValue: 30 },
  });
  t.equal(stale.statusCode, 412);
  t.equal(stale.json().code, 'VERSION_MISMATCH');
  t.match(stale.json().message, /at version 2, not 1/);
  const read = await app.inject({ url: '/api/config/flags/limits', headers: admin });
  t.equal(read.json().defaultValue, 20, 'the refused change left no trace');
});

t.test('concurrent PATCHes each get their own version', async (t) => {
  await createFlag(app, { key: 'racy', type: 'number', defaultValue: 0 });
  const results = await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      app.inject({
        method: 'PATCH',
        url: '/api/admin/flags/racy',
        headers: admin,
        payload: { defaultValue: n },
      }),
    ),
  );
  t.same(
    results.map((r) => r.statusCode),
    [200, 200, 200, 200, 200],
  );
  t.same(results.map((r) => r.json().version).sort(), [2, 3, 4, 5, 6]);
  const history = await app.inject({ url: '/api/admin/flags/racy/history', headers: admin });
  t.equal(history.json().events.length, 6);
});

t.test('DELETE archives: reads 404, the list drops it, history stays, the key can be reused', async (t) => {
  await createFlag(app, { key: 'old-banner', type: 'string', defaultValue: 'x' });
  const del = await app.inject({ method: 'DELETE', url: '/api/admin/flags/old-banner', headers: admin });
  t.equal(del.statusCode, 204);
  t.equal(del.body, '');

  const read = await app.inject({ url: '/api/config/flags/old-banner', headers: admin });
  t.equal(read.statusCode, 404);
  const list = await app.inject({ url: '/api/config/flags', headers: admin });
  t.notOk(list.json().flags.some((f: { key: string }) => f.key === 'old-banner'));
  const again = await app.inject({ method: 'DELETE', url: '/api/admin/flags/old-banner', headers: admin });
  t.equal(again.statusCode, 404, 'archiving twice is a 404');
  const patch = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/old-banner',
    headers: admin,
    payload: { enabled: true },
  });
  t.equal(patch.statusCode, 404, 'an archived flag cannot be changed');

  const history = await app.inject({ url: '/api/admin/flags/old-banner/history', headers: admin });
  t.same(
    history.json().events.map((e: { action: string }) => e.action),
    ['flag.archived', 'flag.created'],
  );

  const revived = await createFlag(app, { key: 'old-banner', type: 'boolean', defaultValue: true });
  t.equal(revived.version, 3, 'a reused key continues its version, so no cache can prefer the old one');
  const reread = await app.inject({ url: '/api/config/flags/old-banner', headers: admin });
  t.match(reread.json(), { type: 'boolean', defaultValue: true, version: 3 });
});

t.test('history and audit page with a cursor, newest first', async (t) => {
  await createFlag(app, { key: 'paged', type: 'number', defaultValue: 0 });
  for (const n of [1, 2, 3, 4]) {
    await app.inject({
      method: 'PATCH',
      url: '/api/admin/flags/paged',
      headers: admin,
      payload: { defaultValue: n },
    });
  }
  const versions: number[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const page = await app.inject({ url: `/api/admin/flags/paged/history${query}`, headers: admin });
    t.equal(page.statusCode, 200);
    versions.push(...page.json().events.map((e: { version: number }) => e.version));
    cursor = page.json().nextCursor;
  } while (cursor);
  t.same(versions, [5, 4, 3, 2, 1]);

  const audit = await app.inject({ url: '/api/admin/audit?flagKey=paged&limit=1', headers: admin });
  t.equal(audit.json().events[0].version, 5);
  t.type(audit.json().nextCursor, 'string');
  const production = await app.inject({ url: '/api/admin/audit?environment=production', headers: admin });
  t.ok(production.json().events.every((e: { environment: string }) => e.environment === 'production'));
});

t.test('history of an unknown environment is a 404', async (t) => {
  const res = await app.inject({ url: '/api/admin/flags/x/history?environment=moon', headers: admin });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, 'ENVIRONMENT_NOT_FOUND');
});
