// One flag across environments and promotion, over the real app and PostgreSQL: the side-by-side
// view (only the environments a caller may read); a dry run shows the diff per target and writes
// nothing; applying copies variants, rules and the segments they use (a missing one created, a
// differing one updated and listed with the target's other flags it affects), keeps each target's
// on/off unless asked, and is served at once by the read API and OFREP; every target is checked
// before any is written (a type mismatch refuses the whole promotion); each target is its own
// transaction (a failure there leaves it untouched and the others applied); a protected target
// gets a change request; a preview's versions make the apply conditional; bad input is a 4xx.
import t, { type Test } from 'tap';
import {
  admin,
  bearer,
  buildTestApp,
  createFlag,
  createSegment,
  mintToken,
  personSession,
  snapshot,
  twoInstances,
  within,
} from '../../helpers/app.ts';
import { findRedis, NO_REDIS } from '../../helpers/redis.ts';

const redisUrl = await findRedis();

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
type Headers = Record<string, string>;

const VARIANTS = { blue: 'blue', green: 'green', red: 'red' };
const RULES = [
  { segments: ['beta'], variant: 'green' },
  { segments: ['internal'], variant: 'red' },
];

/** Staging holds the flag as it should be; production an older one, on; development none. */
async function setup(t: Test) {
  const { app } = await buildTestApp(t);
  await createSegment(app, {
    key: 'beta',
    environment: 'staging',
    description: 'beta testers',
    conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }],
  });
  await createSegment(app, {
    key: 'internal',
    environment: 'staging',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  await createSegment(app, {
    key: 'internal',
    environment: 'production',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.org' }],
  });
  await createFlag(app, {
    key: 'checkout',
    environment: 'staging',
    type: 'string',
    description: 'new checkout',
    variants: VARIANTS,
    defaultVariant: 'blue',
    offVariant: 'blue',
    rules: RULES,
  });
  await createFlag(app, {
    key: 'checkout',
    environment: 'production',
    type: 'string',
    enabled: true,
    variants: { blue: 'blue' },
    defaultVariant: 'blue',
  });
  // Another production flag using the segment a promotion changes.
  await createFlag(app, {
    key: 'banner',
    environment: 'production',
    rules: [{ segments: ['internal'], variant: 'on' }],
  });
  return app;
}

const promote = (app: App, body: Record<string, unknown>, headers: Headers = admin, key = 'checkout') =>
  app.inject({ method: 'POST', url: `/api/admin/flags/${key}/promote`, headers, payload: body });

const readFlag = async (app: App, environment: string, key = 'checkout') =>
  app.inject({ url: `/api/config/flags/${key}?environment=${environment}`, headers: admin });

const segments = async (app: App) =>
  app.database.client.$queryRawUnsafe<unknown[]>(
    'SELECT environment_key, key, description, conditions, version FROM segments ORDER BY environment_key, key',
  );

/** Every row a promotion could touch. */
const everything = async (app: App) => ({ ...(await snapshot(app)), segments: await segments(app) });

t.test('the environments view: the flag in every environment the caller may read', async (t) => {
  const app = await setup(t);
  const res = await app.inject({ url: '/api/admin/flags/checkout/environments', headers: admin });
  t.equal(res.statusCode, 200, res.body);
  const { key, environments } = res.json();
  t.equal(key, 'checkout');
  t.same(
    environments.map((e: { environment: string }) => e.environment),
    ['development', 'production', 'staging'],
  );
  const [development, production, staging] = environments;
  t.match(development, { exists: false, enabled: null, version: null, rules: 0, updatedAt: null });
  t.match(production, { exists: true, archived: false, enabled: true, type: 'string', version: 1, rules: 0 });
  t.match(staging, {
    exists: true,
    enabled: false,
    defaultVariant: 'blue',
    offVariant: 'blue',
    variants: 3,
    rules: 2,
    segments: ['beta', 'internal'],
    protected: false,
  });
  t.ok(Date.parse(staging.updatedAt));

  // A read token limited to staging sees staging only.
  const reader = await mintToken(app, { name: 'stage-reader', scope: 'read', environment: 'staging' });
  const limited = await app.inject({
    url: '/api/admin/flags/checkout/environments',
    headers: bearer(reader.token),
  });
  t.equal(limited.statusCode, 200);
  t.same(
    limited.json().environments.map((e: { environment: string }) => e.environment),
    ['staging'],
  );
  // A flag only in environments it may not read is not found.
  const hidden = await app.inject({
    url: '/api/admin/flags/banner/environments',
    headers: bearer(reader.token),
  });
  t.equal(hidden.statusCode, 404);
  t.equal(hidden.json().code, 'FLAG_NOT_FOUND');
  const unknown = await app.inject({ url: '/api/admin/flags/nope/environments', headers: admin });
  t.equal(unknown.statusCode, 404);
  const bad = await app.inject({ url: '/api/admin/flags/Not%20A%20Key/environments', headers: admin });
  t.equal(bad.statusCode, 400);
});

t.test('a dry run shows the diff per target and changes nothing', async (t) => {
  const app = await setup(t);
  const before = await everything(app);
  const res = await promote(app, { from: 'staging', to: ['production', 'development'], dryRun: true });
  t.equal(res.statusCode, 200, res.body);
  const report = res.json();
  t.match(report, { flag: 'checkout', from: 'staging', dryRun: true, includeState: false });
  t.match(report.message, /Nothing was written/);
  const [production, development] = report.targets;
  t.match(production, { environment: 'production', outcome: 'would-apply', revision: null });
  t.equal(production.flag.action, 'change');
  t.same(production.flag.before.variants, { blue: 'blue' });
  t.same(production.flag.after.variants, VARIANTS);
  t.same(production.flag.after.rules, RULES);
  t.equal(production.flag.after.enabled, true, 'production keeps its own on/off');
  const byKey = Object.fromEntries(production.segments.map((s: { key: string }) => [s.key, s]));
  t.match(byKey.beta, { action: 'create', before: null, usedBy: [] });
  t.same(byKey.beta.after, {
    description: 'beta testers',
    conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }],
  });
  t.match(byKey.internal, { action: 'change', usedBy: ['banner'] });
  t.equal(byKey.internal.before.conditions[0].value, '@example.org');
  t.equal(byKey.internal.after.conditions[0].value, '@example.com');
  t.match(development, { environment: 'development', outcome: 'would-apply' });
  t.equal(development.flag.action, 'create');
  t.equal(development.flag.after.enabled, false, 'a flag a promotion creates starts off');
  t.same(
    development.segments.map((s: { action: string }) => s.action),
    ['create', 'create'],
  );
  t.same(report.expectedVersions.source, { flags: { checkout: 1 }, segments: { beta: 1, internal: 1 } });
  t.same(report.expectedVersions.targets.production, {
    flags: { checkout: 1 },
    segments: { beta: null, internal: 1 },
  });
  t.same(await everything(app), before, 'nothing written');
});

t.test('applying copies variants, rules and segments; the read API and OFREP serve it at once', async (t) => {
  const app = await setup(t);
  // Read first, so the target's snapshot is held: the promotion must update it, not a cold read.
  t.equal((await readFlag(app, 'production')).json().version, 1);
  const preview = (await promote(app, { from: 'staging', to: 'production', dryRun: true })).json();
  const res = await promote(app, {
    from: 'staging',
    to: 'production',
    expectedVersions: preview.expectedVersions,
  });
  t.equal(res.statusCode, 200, res.body);
  const [target] = res.json().targets;
  t.match(target, { environment: 'production', outcome: 'applied', changeRequestId: null, error: null });
  t.type(target.revision, 'number');

  const flag = (await readFlag(app, 'production')).json();
  t.match(flag, { enabled: true, version: 2, description: 'new checkout', defaultVariant: 'blue' });
  t.same(flag.variants, VARIANTS);
  t.same(flag.rules, RULES);
  const segs = (
    await app.inject({ url: '/api/admin/segments?environment=production', headers: admin })
  ).json().segments;
  t.match(segs, [
    { key: 'beta', version: 1, description: 'beta testers' },
    { key: 'internal', version: 2, conditions: [{ value: '@example.com' }] },
  ]);

  const evaluate = (context: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/checkout?environment=production',
      headers: admin,
      payload: { context: { targetingKey: 'u1', ...context } },
    });
  t.match((await evaluate({ plan: 'beta' })).json(), { value: 'green', reason: 'TARGETING_MATCH' });
  t.match((await evaluate({ email: 'a@example.com' })).json(), { value: 'red' });
  t.match((await evaluate({})).json(), { value: 'blue', reason: 'DEFAULT' });

  // One revision: the segments and the flag, each with its audit event.
  const events = (
    await app.inject({ url: '/api/admin/audit?environment=production&limit=10', headers: admin })
  ).json().events as { action: string; revision: number; segmentKey: string | null }[];
  const promoted = events.filter((e) => e.revision === target.revision);
  t.same(promoted.map((e) => e.action).sort(), ['flag.updated', 'segment.created', 'segment.updated']);

  // Again: nothing changes, nothing is written.
  const again = await promote(app, { from: 'staging', to: 'production' });
  t.equal(again.json().targets[0].outcome, 'unchanged');
  t.equal((await readFlag(app, 'production')).json().version, 2);
});

t.test(
  'another instance serves the promoted flag within moments',
  { skip: !redisUrl && NO_REDIS },
  async (t) => {
    const { a, b } = await twoInstances(t, redisUrl!);
    await createSegment(a, {
      key: 'beta',
      environment: 'staging',
      conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }],
    });
    await createFlag(a, {
      key: 'checkout',
      environment: 'staging',
      type: 'string',
      variants: { blue: 'blue', green: 'green' },
      defaultVariant: 'blue',
      rules: [{ segments: ['beta'], variant: 'green' }],
    });
    await createFlag(a, {
      key: 'checkout',
      environment: 'production',
      type: 'string',
      enabled: true,
      variants: { blue: 'blue' },
      defaultVariant: 'blue',
    });
    const evaluate = () =>
      b.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/checkout?environment=production',
        headers: admin,
        payload: { context: { targetingKey: 'u1', plan: 'beta' } },
      });
    // b holds production's snapshot (and its segments) before the promotion.
    t.equal((await evaluate()).json().value, 'blue');
    t.equal((await promote(a, { from: 'staging', to: 'production' })).statusCode, 200);
    const ms = await within(10_000, async () => (await evaluate()).json().value === 'green', 20);
    t.pass(`instance b serves the promoted rule and segment (${Math.round(ms)} ms)`);
    t.same((await readFlag(b, 'production')).json().variants, { blue: 'blue', green: 'green' });
  },
);

t.test('prerequisites come along only where the target can meet them', async (t) => {
  const app = await setup(t);
  await createFlag(app, { key: 'payments', environment: 'staging', enabled: true });
  const requires = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/checkout?environment=staging',
    headers: admin,
    payload: { prerequisites: [{ flag: 'payments', variants: ['on'] }] },
  });
  t.equal(requires.statusCode, 200, requires.body);
  const before = await everything(app);
  const refused = await promote(app, { from: 'staging', to: ['production', 'development'], dryRun: true });
  t.equal(refused.statusCode, 400, refused.body);
  t.match(refused.json(), {
    code: 'PREREQUISITE_NOT_FOUND',
    message:
      /environment '(production|development)' has no live flag 'payments'\. Create or restore 'payments' first/,
  });
  t.equal((await promote(app, { from: 'staging', to: 'production' })).statusCode, 400, 'nor applied');
  t.same(await everything(app), before, 'nothing changed anywhere');
  await createFlag(app, { key: 'payments', environment: 'production' });
  const applied = await promote(app, { from: 'staging', to: 'production' });
  t.equal(applied.statusCode, 200, applied.body);
  t.match((await readFlag(app, 'production')).json(), {
    prerequisites: [{ flag: 'payments', variants: ['on'] }],
  });
});

t.test('includeState copies on/off too', async (t) => {
  const app = await setup(t);
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/checkout?environment=staging',
    headers: admin,
    payload: { enabled: true },
  });
  const res = await promote(app, { from: 'staging', to: 'development', includeState: true });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json().targets[0], { outcome: 'applied', flag: { action: 'create' } });
  t.match((await readFlag(app, 'development')).json(), { enabled: true, version: 1 });
  const off = await promote(app, { from: 'production', to: 'staging', includeState: true, dryRun: true });
  t.equal(off.json().targets[0].flag.after.enabled, true, 'production is on');
});

t.test('every target is checked before any is written: a type mismatch refuses all', async (t) => {
  const app = await setup(t);
  await app.inject({
    method: 'POST',
    url: '/api/admin/environments',
    headers: admin,
    payload: { key: 'qa' },
  });
  await createFlag(app, { key: 'checkout', environment: 'qa' }); // a boolean
  const before = await everything(app);
  const res = await promote(app, { from: 'staging', to: ['development', 'qa'] });
  t.equal(res.statusCode, 409, res.body);
  t.equal(res.json().code, 'FLAG_TYPE_MISMATCH');
  t.match(res.json().message, /boolean flag in environment 'qa' but a string flag/);
  t.same(await everything(app), before, 'development untouched too');
  // A flag archived in a target refuses it the same way.
  await app.inject({
    method: 'DELETE',
    url: '/api/admin/flags/checkout?environment=production',
    headers: admin,
  });
  const archived = await promote(app, { from: 'staging', to: ['development', 'production'] });
  t.equal(archived.statusCode, 409);
  t.equal(archived.json().code, 'FLAG_ARCHIVED');
  t.equal((await readFlag(app, 'development')).statusCode, 404);
});

t.test(
  'each target is one transaction: a failure there leaves it untouched, the others applied',
  async (t) => {
    const app = await setup(t);
    await app.inject({
      method: 'POST',
      url: '/api/admin/environments',
      headers: admin,
      payload: { key: 'qa' },
    });
    // The database refuses any flag written in qa: the write fails after qa's segments were written.
    const db = app.database.client;
    await db.$executeRawUnsafe(`CREATE FUNCTION refuse_qa() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'qa refuses flags'; END $$`);
    await db.$executeRawUnsafe(`CREATE TRIGGER refuse_qa BEFORE INSERT ON flags FOR EACH ROW
    WHEN (NEW.environment_key = 'qa') EXECUTE FUNCTION refuse_qa()`);
    const revision = async (key: string) =>
      (await db.environment.findUniqueOrThrow({ where: { key } })).revision;
    const qaRevision = await revision('qa');

    const res = await promote(app, { from: 'staging', to: ['development', 'qa'] });
    t.equal(res.statusCode, 409, res.body);
    const body = res.json();
    t.equal(body.code, 'PROMOTION_INCOMPLETE');
    t.match(body.message, /Failed in 'qa'/);
    t.match(body.targets, [
      { environment: 'development', outcome: 'applied' },
      { environment: 'qa', outcome: 'failed', error: { statusCode: 500, code: 'PROMOTION_FAILED' } },
    ]);
    t.equal((await readFlag(app, 'development')).json().version, 1);
    t.equal((await readFlag(app, 'qa')).statusCode, 404);
    t.same(
      await db.segment.findMany({ where: { environmentKey: 'qa' } }),
      [],
      "qa's segments rolled back with its flag",
    );
    t.equal(await revision('qa'), qaRevision, "qa's revision unchanged");

    // Only qa: the failure is the answer.
    const alone = await promote(app, { from: 'staging', to: 'qa' });
    t.equal(alone.statusCode, 500);
    t.equal(alone.json().code, 'PROMOTION_FAILED');
  },
);

t.test("a preview's versions: the apply is refused where something changed since", async (t) => {
  const app = await setup(t);
  const preview = (await promote(app, { from: 'staging', to: 'production', dryRun: true })).json();
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/segments/internal?environment=production',
    headers: admin,
    payload: { description: 'changed meanwhile' },
  });
  const before = await everything(app);
  const res = await promote(app, {
    from: 'staging',
    to: 'production',
    expectedVersions: preview.expectedVersions,
  });
  t.equal(res.statusCode, 409, res.body);
  t.equal(res.json().code, 'PROMOTION_STALE');
  t.match(res.json().message, /segment 'internal' \(version 1 then, version 2 now\)/);
  t.same(await everything(app), before);

  // The source changed since: refused too.
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/checkout?environment=staging',
    headers: admin,
    payload: { description: 'newer' },
  });
  const fresh = (await promote(app, { from: 'staging', to: 'production', dryRun: true })).json();
  const source = await promote(app, {
    from: 'staging',
    to: 'production',
    expectedVersions: { ...fresh.expectedVersions, source: preview.expectedVersions.source },
  });
  t.equal(source.statusCode, 409);
  t.match(source.json().message, /'staging'.*flag 'checkout'/);
  // A target the preview did not cover is refused as well.
  const other = await promote(app, {
    from: 'staging',
    to: 'development',
    expectedVersions: fresh.expectedVersions,
  });
  t.equal(other.statusCode, 409);
  t.equal(other.json().code, 'PROMOTION_STALE');
});

t.test('a protected target gets a change request, applied when another person approves', async (t) => {
  const app = await setup(t);
  const protect = await app.inject({
    method: 'PATCH',
    url: '/api/admin/environments/production',
    headers: admin,
    payload: { protected: true },
  });
  t.equal(protect.statusCode, 200);
  const dry = await promote(app, { from: 'staging', to: ['production', 'development'], dryRun: true });
  t.match(dry.json().targets, [{ outcome: 'would-propose', protected: true }, { outcome: 'would-apply' }]);

  const before = (await readFlag(app, 'production')).json();
  const ada = await personSession(app, 'ada', 'ada');
  const res = await promote(app, { from: 'staging', to: ['production', 'development'] }, ada);
  t.equal(res.statusCode, 200, res.body);
  const [production, development] = res.json().targets;
  t.match(production, { outcome: 'proposed', revision: null });
  t.type(production.changeRequestId, 'string');
  t.match(development, { outcome: 'applied' });
  t.same((await readFlag(app, 'production')).json(), before, 'production waits for approval');

  const request = (
    await app.inject({ url: '/api/admin/change-requests?environment=production', headers: admin })
  ).json().changeRequests[0];
  t.match(request, {
    id: production.changeRequestId,
    kind: 'flag.promote',
    target: 'checkout',
    state: 'open',
  });
  t.same(request.after.flag.variants, VARIANTS);
  t.equal(request.after.segments.beta.description, 'beta testers');
  t.same(request.baseVersions, { flags: { checkout: 1 }, segments: { beta: null, internal: 1 } });

  const grace = await personSession(app, 'grace', 'grace');
  const approved = await app.inject({
    method: 'POST',
    url: `/api/admin/change-requests/${request.id}/approve`,
    headers: grace,
    payload: {},
  });
  t.equal(approved.statusCode, 200, approved.body);
  t.equal(approved.json().state, 'approved');
  const flag = (await readFlag(app, 'production')).json();
  t.same(flag.variants, VARIANTS);
  t.equal(flag.enabled, true);
  t.same(flag.rules, RULES);
});

t.test('authorization: read on the source, admin on every target', async (t) => {
  const app = await setup(t);
  const reader = await mintToken(app, { name: 'reader', scope: 'read' });
  const readOnly = await promote(
    app,
    { from: 'staging', to: 'production', dryRun: true },
    bearer(reader.token),
  );
  t.equal(readOnly.statusCode, 403);
  const stagingAdmin = await mintToken(app, { name: 'stage-admin', scope: 'admin', environment: 'staging' });
  const other = await promote(app, { from: 'staging', to: 'production' }, bearer(stagingAdmin.token));
  t.equal(other.statusCode, 403);
  t.match(other.json().message, /not 'production'/);
  // A person with read on production and admin on development may promote from one to the other.
  const sam = await personSession(app, 'sam', 'sam', [
    { right: 'read', environments: ['production'] },
    { right: 'admin', environments: ['development'] },
  ]);
  t.equal((await promote(app, { from: 'production', to: 'development' }, sam)).statusCode, 200);
  t.equal((await promote(app, { from: 'development', to: 'production' }, sam)).statusCode, 403);
  t.equal((await promote(app, { from: 'staging', to: 'development' }, sam)).statusCode, 403);
});

t.test('bad input is a clear 4xx and changes nothing', async (t) => {
  const app = await setup(t);
  await createFlag(app, { key: 'old', environment: 'staging' });
  await app.inject({ method: 'DELETE', url: '/api/admin/flags/old?environment=staging', headers: admin });
  const before = await everything(app);
  const cases: [string, Record<string, unknown>, number, string, string?][] = [
    ['from == to', { from: 'staging', to: 'staging' }, 400, 'PROMOTION_TO_SOURCE'],
    [
      'from among the targets',
      { from: 'staging', to: ['production', 'staging'] },
      400,
      'PROMOTION_TO_SOURCE',
    ],
    ['unknown source', { from: 'nowhere', to: 'production' }, 404, 'ENVIRONMENT_NOT_FOUND'],
    ['unknown target', { from: 'staging', to: ['production', 'nowhere'] }, 404, 'ENVIRONMENT_NOT_FOUND'],
    ['unknown flag', { from: 'staging', to: 'production' }, 404, 'FLAG_NOT_FOUND', 'ghost'],
    ['flag only in the target', { from: 'development', to: 'production' }, 404, 'FLAG_NOT_FOUND'],
    ['archived in the source', { from: 'staging', to: 'production' }, 409, 'FLAG_ARCHIVED', 'old'],
    ['no target', { from: 'staging' }, 400, 'VALIDATION_ERROR'],
    ['empty target list', { from: 'staging', to: [] }, 400, 'VALIDATION_ERROR'],
    ['a target twice', { from: 'staging', to: ['production', 'production'] }, 400, 'VALIDATION_ERROR'],
    ['unknown field', { from: 'staging', to: 'production', force: true }, 400, 'VALIDATION_ERROR'],
    ['bad key', { from: 'Staging!', to: 'production' }, 400, 'VALIDATION_ERROR'],
    ['dryRun not a boolean', { from: 'staging', to: 'production', dryRun: 'yes' }, 400, 'VALIDATION_ERROR'],
    [
      'malformed expectedVersions',
      { from: 'staging', to: 'production', expectedVersions: { source: {} } },
      400,
      'VALIDATION_ERROR',
    ],
  ];
  for (const [name, body, status, code, key] of cases) {
    const res = await promote(app, body, admin, key);
    t.equal(res.statusCode, status, `${name}: ${res.body}`);
    t.equal(res.json().code, code, name);
    t.ok(res.json().message.length > 20, `${name} says what to do`);
  }
  t.same(await everything(app), before);
});
