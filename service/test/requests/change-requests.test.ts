// Protected environments over the real app and PostgreSQL: a change there is a request (202) and
// changes nothing; another person with the admin role there approves it (applied once, even when
// two instances approve it at the same moment) or rejects it; a request made against versions
// that changed since goes stale; tokens propose but never review; the record names everyone.
import t, { type Test } from 'tap';
import {
  admin,
  bearer,
  buildTestApp,
  createFlag,
  createSegment,
  mintToken,
  personSession,
  twoInstances,
  within,
} from '../helpers/app.ts';
import { findRedis, NO_REDIS } from '../helpers/redis.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
type Headers = Record<string, string>;

const redisUrl = await findRedis();

async function protect(app: App, environment: string, value = true, headers: Headers = admin) {
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/admin/environments/${environment}`,
    headers,
    payload: { protected: value },
  });
  if (res.statusCode !== 200) throw new Error(`protect failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

const patchFlag = (app: App, key: string, body: object, headers: Headers, environment = 'production') =>
  app.inject({
    method: 'PATCH',
    url: `/api/admin/flags/${key}?environment=${environment}`,
    headers,
    payload: body,
  });

const decide = (app: App, id: string, how: 'approve' | 'reject', headers: Headers, body: object = {}) =>
  app.inject({ method: 'POST', url: `/api/admin/change-requests/${id}/${how}`, headers, payload: body });

const readFlag = async (app: App, key: string, environment = 'production') =>
  (await app.inject({ url: `/api/config/flags/${key}?environment=${environment}`, headers: admin })).json();

const audit = async (app: App, environment = 'production') =>
  (await app.inject({ url: `/api/admin/audit?environment=${environment}&limit=100`, headers: admin })).json()
    .events as { action: string; actor: string; by: { kind: string; name: string }; after: unknown }[];

async function setup(t: Test) {
  const { app } = await buildTestApp(t);
  await createFlag(app, { key: 'checkout', type: 'boolean', defaultValue: false, environment: 'production' });
  await createFlag(app, { key: 'checkout', type: 'boolean', defaultValue: false, environment: 'staging' });
  const ada = await personSession(app, 'ada', 'Ada Lovelace');
  const grace = await personSession(app, 'grace', 'Grace Hopper');
  return { app, ada, grace };
}

t.test('protecting an environment: admin on it, audited, validated', async (t) => {
  const { app } = await buildTestApp(t);
  const stagingAdmin = await personSession(app, 'sam', 'Sam Staging', [
    { right: 'read', environments: null },
    { right: 'admin', environments: ['staging'] },
  ]);
  const refused = await app.inject({
    method: 'PATCH',
    url: '/api/admin/environments/production',
    headers: stagingAdmin,
    payload: { protected: true },
  });
  t.equal(refused.statusCode, 403);
  t.match(refused.json(), { code: 'FORBIDDEN', message: /read role on environment 'production'/ });
  t.match(await protect(app, 'staging', true, stagingAdmin), { key: 'staging', protected: true });

  const environments = (await app.inject({ url: '/api/admin/environments', headers: admin })).json();
  t.match(
    Object.fromEntries(
      environments.environments.map((e: { key: string; protected: boolean }) => [e.key, e.protected]),
    ),
    { staging: true, production: false },
  );
  const bad = await app.inject({
    method: 'PATCH',
    url: '/api/admin/environments/staging',
    headers: admin,
    payload: { protected: 'yes' },
  });
  t.equal(bad.statusCode, 400);
  const unknown = await app.inject({
    method: 'PATCH',
    url: '/api/admin/environments/nowhere',
    headers: admin,
    payload: { protected: true },
  });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'ENVIRONMENT_NOT_FOUND');
  t.match(await audit(app, 'staging'), [
    {
      action: 'environment.protected',
      by: { kind: 'person', name: 'Sam Staging' },
      after: { protected: true },
    },
  ]);
  t.match(await protect(app, 'staging', false), { protected: false });
  t.equal((await audit(app, 'staging'))[0]?.action, 'environment.unprotected');
});

t.test('a change in a protected environment is a request; another person approves it, once', async (t) => {
  const { app, ada, grace } = await setup(t);
  await protect(app, 'production');
  const before = await readFlag(app, 'checkout');
  const reader = await mintToken(app, {
    name: 'production-reader',
    scope: 'read',
    environment: 'production',
  });
  const evaluate = async () =>
    (
      await app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/checkout',
        headers: bearer(reader.token),
        payload: { context: {} },
      })
    ).json();

  const proposed = await patchFlag(app, 'checkout', { enabled: true, defaultValue: true }, ada);
  t.equal(proposed.statusCode, 202);
  const request = proposed.json();
  t.match(request, {
    environment: 'production',
    kind: 'flag.update',
    target: 'checkout',
    change: { enabled: true, defaultValue: true },
    before: { key: 'checkout', enabled: false, version: 1 },
    after: { key: 'checkout', enabled: true },
    baseVersions: { flags: { checkout: 1 }, segments: {} },
    state: 'open',
    proposedBy: { kind: 'person', name: 'Ada Lovelace', subject: 'ada' },
    decidedBy: null,
  });
  t.same(await readFlag(app, 'checkout'), before, 'nothing changed');
  t.match(await evaluate(), { reason: 'DISABLED' });

  const listed = await app.inject({
    url: '/api/admin/change-requests?environment=production&state=open',
    headers: grace,
  });
  t.equal(listed.statusCode, 200);
  t.same(
    listed.json().changeRequests.map((r: { id: string }) => r.id),
    [request.id],
  );

  const own = await decide(app, request.id, 'approve', ada);
  t.equal(own.statusCode, 403);
  t.match(own.json(), { code: 'OWN_CHANGE_REQUEST', message: /you cannot approve or reject it/ });
  t.equal(
    (await decide(app, request.id, 'reject', ada, { comment: 'never mind' })).json().code,
    'OWN_CHANGE_REQUEST',
  );

  const approved = await decide(app, request.id, 'approve', grace, { comment: 'ship it' });
  t.equal(approved.statusCode, 200, approved.body);
  t.match(approved.json(), {
    state: 'approved',
    decidedBy: { kind: 'person', name: 'Grace Hopper' },
    comment: 'ship it',
  });
  t.match(await readFlag(app, 'checkout'), { enabled: true, version: 2 });
  t.match(await evaluate(), { value: true });

  const again = await decide(app, request.id, 'approve', grace);
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'CHANGE_REQUEST_DECIDED', message: /already approved/ });
  t.equal((await readFlag(app, 'checkout')).version, 2, 'applied once');

  const events = await audit(app);
  t.match(events.slice(0, 3), [
    {
      action: 'flag.updated',
      by: { kind: 'person', name: /^Grace Hopper \(approving change request .* proposed by Ada Lovelace\)$/ },
    },
    { action: 'request.approved', by: { name: 'Grace Hopper' }, after: { state: 'approved' } },
    { action: 'request.created', by: { name: 'Ada Lovelace' }, after: { state: 'open' } },
  ]);
  t.same(
    (
      await app.inject({
        url: '/api/admin/change-requests?environment=production&state=open',
        headers: grace,
      })
    ).json().changeRequests,
    [],
  );
});

t.test('a request made against a version that changed since goes stale', async (t) => {
  const { app, ada, grace } = await setup(t);
  await protect(app, 'production');
  const first = (await patchFlag(app, 'checkout', { enabled: true }, ada)).json();
  const second = (await patchFlag(app, 'checkout', { description: 'checkout v2' }, ada)).json();
  t.equal((await decide(app, first.id, 'approve', grace)).statusCode, 200);

  const stale = await decide(app, second.id, 'approve', grace);
  t.equal(stale.statusCode, 409);
  t.match(stale.json(), {
    code: 'CHANGE_REQUEST_STALE',
    message: /flag 'checkout' \(proposed against version 1, now version 2\).*propose the change again/,
  });
  t.match(await readFlag(app, 'checkout'), { enabled: true, description: '', version: 2 });
  const stored = await app.inject({
    url: '/api/admin/change-requests?environment=production&state=stale',
    headers: ada,
  });
  t.match(stored.json().changeRequests, [
    { id: second.id, state: 'stale', decidedBy: { name: 'Grace Hopper' } },
  ]);
  t.equal((await audit(app))[0]?.action, 'request.stale');
  t.equal((await decide(app, second.id, 'approve', grace)).json().code, 'CHANGE_REQUEST_DECIDED');

  // An If-Match that is already out of date is refused at once, as ever.
  const late = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/checkout?environment=production',
    headers: { ...ada, 'if-match': '"1"' },
    payload: { enabled: false },
  });
  t.equal(late.statusCode, 412);
});

t.test('rejecting needs a comment and applies nothing', async (t) => {
  const { app, ada, grace } = await setup(t);
  await protect(app, 'production');
  const request = (await patchFlag(app, 'checkout', { enabled: true }, ada)).json();
  const bare = await decide(app, request.id, 'reject', grace);
  t.equal(bare.statusCode, 400);
  const rejected = await decide(app, request.id, 'reject', grace, { comment: 'not during the sale' });
  t.equal(rejected.statusCode, 200);
  t.match(rejected.json(), {
    state: 'rejected',
    comment: 'not during the sale',
    decidedBy: { name: 'Grace Hopper' },
  });
  t.match(await readFlag(app, 'checkout'), { enabled: false, version: 1 });
  t.equal((await decide(app, request.id, 'approve', grace)).json().code, 'CHANGE_REQUEST_DECIDED');
  t.match((await audit(app))[0], { action: 'request.rejected', after: { comment: 'not during the sale' } });
  const missing = await decide(app, '00000000-0000-4000-8000-000000000000', 'approve', grace);
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'CHANGE_REQUEST_NOT_FOUND');
});

t.test('only admins of the environment review; tokens propose but never review', async (t) => {
  const { app, ada } = await setup(t);
  await protect(app, 'production');
  const stagingAdmin = await personSession(app, 'sam', 'Sam Staging', [
    { right: 'read', environments: null },
    { right: 'admin', environments: ['staging'] },
  ]);
  const request = (await patchFlag(app, 'checkout', { enabled: true }, ada)).json();
  const refused = await decide(app, request.id, 'approve', stagingAdmin);
  t.equal(refused.statusCode, 403);
  t.match(refused.json(), { code: 'FORBIDDEN', message: /only the read role on environment 'production'/ });

  const deploy = await mintToken(app, { name: 'deploy-bot', scope: 'admin', environment: 'production' });
  const tokenChange = await patchFlag(app, 'checkout', { description: 'by the bot' }, bearer(deploy.token));
  t.equal(tokenChange.statusCode, 202, "a token's change is a request too");
  t.match(tokenChange.json(), { proposedBy: { kind: 'token', name: 'deploy-bot' } });
  const byToken = await decide(app, request.id, 'approve', bearer(deploy.token));
  t.equal(byToken.statusCode, 403);
  t.match(byToken.json(), {
    code: 'REVIEW_NEEDS_PERSON',
    message: /Token 'deploy-bot' may propose changes but not approve/,
  });
  t.equal(
    (await decide(app, request.id, 'reject', admin, { comment: 'no' })).json().code,
    'REVIEW_NEEDS_PERSON',
  );
  t.match(await readFlag(app, 'checkout'), { enabled: false, description: '', version: 1 });

  // Ada approves the token's request: a person other than its proposer.
  t.equal((await decide(app, tokenChange.json().id, 'approve', ada)).statusCode, 200);
  t.match(await readFlag(app, 'checkout'), { description: 'by the bot', version: 2 });

  // Elsewhere, changes apply as ever.
  const staging = await patchFlag(app, 'checkout', { enabled: true }, stagingAdmin, 'staging');
  t.equal(staging.statusCode, 200);
  t.match(await readFlag(app, 'checkout', 'staging'), { enabled: true, version: 2 });
  t.same(
    (await app.inject({ url: '/api/admin/change-requests?environment=staging', headers: admin })).json()
      .changeRequests,
    [],
  );
});

t.test('every kind of change to flags and segments is proposed, then applied on approval', async (t) => {
  const { app, ada, grace } = await setup(t);
  await createSegment(app, { key: 'beta', conditions: [], environment: 'production' });
  await createFlag(app, { key: 'old', type: 'boolean', defaultValue: true, environment: 'production' });
  await app.inject({ method: 'DELETE', url: '/api/admin/flags/old?environment=production', headers: admin });
  await protect(app, 'production');
  const send = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url: `${url}?environment=production`, headers: ada, payload });
    t.equal(res.statusCode, 202, `${method} ${url} is a request`);
    return res.json();
  };
  const requests = [
    await send('POST', '/api/admin/flags', { key: 'banner', type: 'string', defaultValue: 'hello' }),
    await send('DELETE', '/api/admin/flags/checkout'),
    await send('POST', '/api/admin/flags/old/restore'),
    await send('POST', '/api/admin/segments', { key: 'staff', conditions: [] }),
    await send('PATCH', '/api/admin/segments/beta', { description: 'beta testers' }),
  ];
  t.same(
    requests.map((r) => r.kind),
    ['flag.create', 'flag.archive', 'flag.restore', 'segment.create', 'segment.update'],
  );
  t.match(requests[0], { before: null, after: { key: 'banner' }, baseVersions: { flags: { banner: null } } });
  t.equal(
    (await app.inject({ url: '/api/config/flags/banner?environment=production', headers: admin })).statusCode,
    404,
  );
  t.equal((await readFlag(app, 'checkout')).key, 'checkout', 'not archived yet');

  for (const request of requests) {
    const res = await decide(app, request.id, 'approve', grace);
    t.equal(res.statusCode, 200, `${request.kind} approved`);
  }
  t.match(await readFlag(app, 'banner'), { key: 'banner', type: 'string' });
  t.equal(
    (await app.inject({ url: '/api/config/flags/checkout?environment=production', headers: admin }))
      .statusCode,
    404,
  );
  t.match(await readFlag(app, 'old'), { key: 'old' });
  const segment = (
    await app.inject({ url: '/api/admin/segments/beta?environment=production', headers: admin })
  ).json();
  t.match(segment, { description: 'beta testers', version: 2 });
  t.equal(
    (await app.inject({ url: '/api/admin/segments/staff?environment=production', headers: admin }))
      .statusCode,
    200,
  );
  const deletion = await send('DELETE', '/api/admin/segments/staff');
  t.equal((await decide(app, deletion.id, 'approve', grace)).statusCode, 200);
  t.equal(
    (await app.inject({ url: '/api/admin/segments/staff?environment=production', headers: admin }))
      .statusCode,
    404,
  );
  // A proposal the direct route would refuse is refused the same way.
  const exists = await app.inject({
    method: 'POST',
    url: '/api/admin/flags?environment=production',
    headers: ada,
    payload: { key: 'banner', type: 'boolean', defaultValue: true },
  });
  t.equal(exists.statusCode, 409);
  t.equal(exists.json().code, 'FLAG_EXISTS');
  // One that changes nothing is no request.
  const same = await patchFlag(app, 'banner', { description: '' }, ada);
  t.equal(same.statusCode, 200);
});

t.test(
  'two instances approving the same request at the same moment apply it once',
  { skip: !redisUrl && NO_REDIS },
  async (t) => {
    const { a, b } = await twoInstances(t, redisUrl!);
    const keys = ['race-0', 'race-1', 'race-2', 'race-3'];
    for (const key of keys) await createFlag(a, { key, environment: 'production' });
    await protect(a, 'production');
    const ada = await personSession(a, 'ada', 'Ada Lovelace');
    const grace = await personSession(a, 'grace', 'Grace Hopper');
    const linus = await personSession(b, 'linus', 'Linus Torvalds');
    for (const key of keys) {
      const request = (await patchFlag(a, key, { enabled: true }, ada)).json();
      const answers = await Promise.all([
        decide(a, request.id, 'approve', grace),
        decide(b, request.id, 'approve', linus),
      ]);
      t.same(
        answers.map((r) => r.statusCode).sort(),
        [200, 409],
        `${key}: one approval applies it, the other is told it was decided`,
      );
      t.equal(answers.find((r) => r.statusCode === 409)?.json().code, 'CHANGE_REQUEST_DECIDED');
      // Whichever instance applied it, both serve it once the change's message arrives.
      for (const app of [a, b]) await within(10_000, async () => (await readFlag(app, key)).enabled === true);
      t.match(await readFlag(a, key), { enabled: true, version: 2 });
      t.match(await readFlag(b, key), { enabled: true, version: 2 });
      const history = (
        await a.inject({ url: `/api/admin/flags/${key}/history?environment=production`, headers: admin })
      ).json().events as { action: string }[];
      t.same(
        history.map((e) => e.action),
        ['flag.updated', 'request.approved', 'request.created', 'flag.created'],
        `${key}: applied and approved once`,
      );
    }
  },
);

t.test('an import or a scheduled change cannot bypass review in a protected environment', async (t) => {
  const { app } = await setup(t);
  const applyAt = new Date(Date.now() + 3_600_000).toISOString();
  const schedule = (environment: string) =>
    app.inject({
      method: 'POST',
      url: '/api/admin/scheduled-changes',
      headers: admin,
      payload: { environment, flag: 'checkout', change: { enabled: true }, applyAt },
    });
  const waiting = await schedule('production');
  t.equal(waiting.statusCode, 201, 'scheduled while production is not protected');
  await protect(app, 'production');

  const document = {
    flags: { imported: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } },
  };
  const importInto = (dryRun: boolean) =>
    app.inject({
      method: 'POST',
      url: `/api/admin/flagd/import?environment=production&dryRun=${dryRun}`,
      headers: admin,
      payload: document,
    });
  const refused = await importInto(false);
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'ENVIRONMENT_PROTECTED', message: /an import would bypass/ });
  t.equal((await importInto(true)).statusCode, 200, 'a dry run writes nothing, so it may still look');
  const later = await schedule('production');
  t.equal(later.statusCode, 409);
  t.match(later.json(), { code: 'ENVIRONMENT_PROTECTED', message: /a scheduled change would bypass/ });

  // The change scheduled before the protection comes due: it is skipped, with why.
  await app.database.client.$executeRaw`
    UPDATE scheduled_changes SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second'
    WHERE id = ${waiting.json().id}::uuid`;
  await app.schedules.applyDue();
  const [skipped] = (
    await app.inject({ url: '/api/admin/scheduled-changes?environment=production', headers: admin })
  ).json().scheduledChanges;
  t.match(skipped, { state: 'skipped', reason: /was protected after this change was scheduled/ });
  t.equal((await readFlag(app, 'checkout')).enabled, false, 'the flag is as it was');
  t.equal((await readFlag(app, 'imported')).statusCode, 404, 'nothing was imported');
});
