import t from 'tap';
import { admin, bearer, buildTestApp, createFlag, mintToken } from '../../helpers/app.ts';

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

t.test(
  'DELETE archives: reads 404, the list drops it, history stays, the key is taken until restored',
  async (t) => {
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

    const recreate = await app.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: admin,
      payload: { key: 'old-banner', type: 'boolean', defaultValue: true },
    });
    t.equal(recreate.statusCode, 409, 'creating an archived key does not replace the archived flag');
    t.match(recreate.json(), {
      code: 'FLAG_ARCHIVED',
      message: /POST \/api\/admin\/flags\/old-banner\/restore\?environment=development/,
    });
    const archived = await app.inject({ url: '/api/admin/flags/old-banner', headers: admin });
    t.match(archived.json(), { type: 'string', defaultValue: 'x', version: 2, archivedAt: String });
  },
);

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

t.test('a PATCH that changes nothing: 200, the same version, no audit event, no revision', async (t) => {
  await createFlag(app, { key: 'steady', type: 'string', variants: { a: 'x', b: 'y' }, defaultVariant: 'a' });
  const revision = await revisionOf('development');
  const list = await app.inject({ url: '/api/config/flags', headers: admin });
  const patch = (payload: object) =>
    app.inject({ method: 'PATCH', url: '/api/admin/flags/steady', headers: admin, payload });
  for (const payload of [
    { enabled: false },
    { variants: { a: 'x', b: 'y' } },
    { defaultValue: 'x' },
    { defaultVariant: 'a', description: '' },
  ]) {
    const res = await patch(payload);
    t.equal(res.statusCode, 200, JSON.stringify(payload));
    t.match(res.json(), { version: 1 }, 'the same version');
    t.equal(res.headers.etag, '"1"');
  }
  t.equal(await revisionOf('development'), revision, 'no revision bump');
  const history = await app.inject({ url: '/api/admin/flags/steady/history', headers: admin });
  t.same(
    history.json().events.map((e: { action: string }) => e.action),
    ['flag.created'],
    'no audit event',
  );
  const again = await app.inject({
    url: '/api/config/flags',
    headers: { ...admin, 'if-none-match': list.headers.etag as string },
  });
  t.equal(again.statusCode, 304, 'the list ETag stays');
  const changed = await patch({ defaultVariant: 'b' });
  t.match(changed.json(), { version: 2, defaultValue: 'y' });
  t.equal(await revisionOf('development'), revision + 1);
  const reordered = await patch({ variants: { b: 'y', a: 'x' } });
  t.match(reordered.json(), { version: 3 }, 'the same variants in another order are a change');
});

t.test('the admin view: one flag, archived ones included', async (t) => {
  await createFlag(app, { key: 'retired', environment: 'staging', description: 'old checkout' });
  const live = await app.inject({ url: '/api/admin/flags/retired?environment=staging', headers: admin });
  t.equal(live.statusCode, 200);
  t.match(live.json(), { key: 'retired', environment: 'staging', archivedAt: null, version: 1 });
  t.equal(live.headers.etag, '"1"');
  await app.inject({ method: 'DELETE', url: '/api/admin/flags/retired?environment=staging', headers: admin });
  const archived = await app.inject({ url: '/api/admin/flags/retired?environment=staging', headers: admin });
  t.equal(archived.statusCode, 200);
  t.match(archived.json(), { key: 'retired', version: 2, archivedAt: String });
  t.ok(Date.parse(archived.json().archivedAt) > 0, 'archivedAt is a time');
  const read = await app.inject({ url: '/api/config/flags/retired?environment=staging', headers: admin });
  t.equal(read.statusCode, 404, 'the read API does not serve it');
  const missing = await app.inject({ url: '/api/admin/flags/never?environment=staging', headers: admin });
  t.match(missing.json(), { statusCode: 404, code: 'FLAG_NOT_FOUND' });
  const moon = await app.inject({ url: '/api/admin/flags/retired?environment=moon', headers: admin });
  t.match(moon.json(), { statusCode: 404, code: 'ENVIRONMENT_NOT_FOUND' });
});

t.test('the admin list: pages in key order, q, the archived filter, the environment', async (t) => {
  const environment = 'list-test';
  await app.inject({
    method: 'POST',
    url: '/api/admin/environments',
    headers: admin,
    payload: { key: environment },
  });
  for (const key of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) {
    await createFlag(app, { key, environment, description: key === 'delta' ? 'The NEW checkout' : '' });
  }
  await createFlag(app, { key: '100_percent', environment, description: '100% rollout' });
  await app.inject({
    method: 'DELETE',
    url: `/api/admin/flags/echo?environment=${environment}`,
    headers: admin,
  });
  const list = async (query: string, headers = admin) => {
    const res = await app.inject({ url: `/api/admin/flags?environment=${environment}&${query}`, headers });
    return { status: res.statusCode, body: res.json() };
  };
  const keys = (page: { flags: { key: string }[] }) => page.flags.map((f) => f.key);

  const first = await list('limit=2');
  t.same(keys(first.body), ['100_percent', 'alpha']);
  t.equal(first.body.nextCursor, 'alpha');
  const second = await list(`limit=2&cursor=${first.body.nextCursor}`);
  t.same(keys(second.body), ['bravo', 'charlie']);
  const last = await list(`limit=2&cursor=${second.body.nextCursor}`);
  t.same(keys(last.body), ['delta'], 'live flags only by default');
  t.equal(last.body.nextCursor, null, 'the last page');

  t.same(keys((await list('archived=true')).body), ['echo']);
  t.match((await list('archived=true')).body.flags[0], { archivedAt: String });
  t.same(keys((await list('q=new')).body), ['delta'], 'q matches the description, in any case');
  t.same(keys((await list('q=RAV')).body), ['bravo'], 'q matches the key');
  t.same(keys((await list('q=%25')).body), ['100_percent'], 'a % is a percent sign, not a wildcard');
  t.same(keys((await list('q=_')).body), ['100_percent'], 'an _ is an underscore');
  t.same(keys((await list('q=zulu')).body), []);

  const { token } = await mintToken(app, { name: 'list-admin', scope: 'admin', environment });
  const own = await app.inject({ url: '/api/admin/flags', headers: bearer(token) });
  t.equal(own.statusCode, 200, 'a restricted token lists its own environment by default');
  t.same(keys(own.json()), ['100_percent', 'alpha', 'bravo', 'charlie', 'delta']);
  const other = await app.inject({ url: '/api/admin/flags?environment=production', headers: bearer(token) });
  t.match(other.json(), { statusCode: 403, code: 'FORBIDDEN' }, 'and no other');
  const otherFlag = await app.inject({
    url: '/api/admin/flags/pricing?environment=production',
    headers: bearer(token),
  });
  t.equal(otherFlag.statusCode, 403);

  for (const [query, message] of [
    ['limit=0', /limit must be >= 1/],
    ['limit=201', /limit must be <= 200/],
    ['cursor=Not%20A%20Key', /cursor must match pattern/],
    ['q=a%00b', /q must match pattern/],
    ['archived=maybe', /archived must be boolean/],
    ['sort=key', /unknown field 'sort'/],
  ] as const) {
    const res = await list(query);
    t.equal(res.status, 400, query);
    t.match(res.body, { code: 'VALIDATION_ERROR', message }, query);
  }
  const unknown = await app.inject({ url: '/api/admin/flags?environment=moon', headers: admin });
  t.match(unknown.json(), { statusCode: 404, code: 'ENVIRONMENT_NOT_FOUND' });
});

t.test('?environment= on create, for flags and segments alike', async (t) => {
  const flag = await app.inject({
    method: 'POST',
    url: '/api/admin/flags?environment=staging',
    headers: admin,
    payload: { key: 'queried' },
  });
  t.equal(flag.statusCode, 201);
  t.match(flag.json(), { environment: 'staging' });
  t.equal(flag.headers.location, '/api/config/flags/queried?environment=staging');
  const same = await app.inject({
    method: 'POST',
    url: '/api/admin/flags?environment=staging',
    headers: admin,
    payload: { key: 'queried-too', environment: 'staging' },
  });
  t.equal(same.statusCode, 201, 'both naming the same environment is fine');
  const segment = await app.inject({
    method: 'POST',
    url: '/api/admin/segments?environment=staging',
    headers: admin,
    payload: { key: 'queried', conditions: [] },
  });
  t.match(segment.json(), { environment: 'staging' });
  const twice = await app.inject({
    method: 'POST',
    url: '/api/admin/segments?environment=staging',
    headers: admin,
    payload: { key: 'other', environment: 'production', conditions: [] },
  });
  t.match(twice.json(), {
    statusCode: 400,
    code: 'VALIDATION_ERROR',
    message: /names environment 'staging' and the body 'production'/,
  });
  const listed = await app.inject({ url: '/api/admin/segments?environment=production', headers: admin });
  t.notOk(
    listed.json().segments.some((s: { key: string }) => s.key === 'other'),
    'nothing was created',
  );
});
