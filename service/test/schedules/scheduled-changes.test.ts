// Scheduled changes through the admin API on one instance: what is refused when it is
// scheduled, what happens at its time, and who may do what.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import {
  ADMIN_TOKEN,
  admin,
  bearer,
  buildTestApp,
  createFlag,
  mintToken,
  personSession,
  within,
} from '../helpers/app.ts';

const { app } = await buildTestApp(t);

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function schedule(body: Record<string, unknown>, headers: Record<string, string> = admin) {
  return app.inject({ method: 'POST', url: '/api/admin/scheduled-changes', headers, payload: body });
}

async function scheduled(body: Record<string, unknown>) {
  const res = await schedule(body);
  if (res.statusCode !== 201) throw new Error(`schedule failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Moves a pending change's time to just past, as if its time had come. */
const makeDue = (id: string) =>
  app.database.client.$executeRaw`
    UPDATE scheduled_changes SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = ${id}::uuid`;

async function listOf(query: string, headers: Record<string, string> = admin) {
  const res = await app.inject({ url: `/api/admin/scheduled-changes?${query}`, headers });
  if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`);
  return res.json().scheduledChanges as { id: string; state: string; reason: string | null }[];
}

async function settled(id: string, environment = 'development') {
  let found: { state: string } | undefined;
  await within(
    30_000,
    async () => {
      found = (await listOf(`environment=${environment}`)).find((s) => s.id === id);
      return found !== undefined && found.state !== 'pending';
    },
    50,
  );
  return found as { id: string; state: string; reason: string | null; appliedAt: string | null };
}

const flagOf = async (key: string, environment = 'development') =>
  (await app.inject({ url: `/api/admin/flags/${key}?environment=${environment}`, headers: admin })).json();

const actions = async (key: string) =>
  (await app.inject({ url: `/api/admin/flags/${key}/history?limit=200`, headers: admin }))
    .json()
    .events.map((e: { action: string }) => e.action)
    .reverse();

t.test('a change scheduled a moment ahead is applied at its time, as a PATCH would be', async (t) => {
  const flag = await createFlag(app, { key: 'soon' });
  const applyAt = new Date(Date.now() + 5000).toISOString();
  const created = await scheduled({ flag: 'soon', change: { enabled: true }, applyAt });
  t.match(created, {
    environment: 'development',
    flag: 'soon',
    change: { enabled: true },
    applyAt,
    state: 'pending',
    flagVersion: flag.version,
    createdBy: 'bootstrap',
    appliedAt: null,
    resolvedAt: null,
    reason: null,
  });
  t.ok(Date.parse(created.createdAt) <= Date.now());
  const done = await settled(created.id);
  t.equal(done.state, 'applied');
  t.ok(Date.parse(done.appliedAt!) >= Date.parse(applyAt), 'not before its time');
  const after = await flagOf('soon');
  t.equal(after.enabled, true);
  t.equal(after.version, flag.version + 1);
  const read = await app.inject({ url: '/api/config/flags/soon', headers: admin });
  t.equal(read.json().enabled, true, 'the read API serves it');
  t.same(await actions('soon'), ['flag.created', 'schedule.created', 'schedule.applied', 'flag.updated']);
  const history = (await app.inject({ url: '/api/admin/flags/soon/history', headers: admin })).json().events;
  const update = history.find((e: { action: string }) => e.action === 'flag.updated');
  t.equal(
    update.actor,
    `bootstrap (scheduled change ${created.id})`,
    'the update names the schedule and its author',
  );
});

t.test('a time in the past, or now, is refused with what to do', async (t) => {
  await createFlag(app, { key: 'past' });
  for (const applyAt of ['2020-01-01T00:00:00Z', new Date().toISOString()]) {
    const res = await schedule({ flag: 'past', change: { enabled: true }, applyAt });
    t.equal(res.statusCode, 400, applyAt);
    t.match(res.json(), { code: 'VALIDATION_ERROR', message: /is not in the future.*date-time after now/ });
  }
  t.same(await listOf('flag=past'), [], 'nothing scheduled');
});

t.test('a change that is no valid PATCH is refused when it is scheduled', async (t) => {
  await createFlag(app, { key: 'checked' });
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ flag: 'checked', change: { enabled: 'yes' }, applyAt: inAnHour() }, 400, /enabled/],
    [{ flag: 'checked', change: { colour: 'red' }, applyAt: inAnHour() }, 400, /colour|additional/],
    [{ flag: 'checked', change: {}, applyAt: inAnHour() }, 400, /change/],
    [{ flag: 'checked', change: { defaultVariant: 'nope' }, applyAt: inAnHour() }, 400, /nope/],
    [
      { flag: 'checked', change: { rules: [{ segments: ['missing'], variant: 'on' }] }, applyAt: inAnHour() },
      400,
      /missing/,
    ],
    [{ flag: 'checked', change: { enabled: true }, applyAt: 'tomorrow' }, 400, /applyAt/],
    [{ flag: 'checked', change: { enabled: true }, applyAt: inAnHour(), extra: 1 }, 400, /extra|additional/],
    [{ flag: 'no-such-flag', change: { enabled: true }, applyAt: inAnHour() }, 404, /does not exist/],
    [
      { environment: 'nowhere', flag: 'checked', change: { enabled: true }, applyAt: inAnHour() },
      404,
      /Environment 'nowhere'/,
    ],
  ];
  for (const [body, status, message] of cases) {
    const res = await schedule(body);
    t.equal(res.statusCode, status, JSON.stringify(body));
    t.match(res.json().message, message);
  }
  t.same(await listOf('flag=checked'), [], 'nothing scheduled');
});

t.test('a cancelled change never applies; cancelling twice is a 409', async (t) => {
  const flag = await createFlag(app, { key: 'called-off' });
  const created = await scheduled({ flag: 'called-off', change: { enabled: true }, applyAt: inAnHour() });
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/admin/scheduled-changes/${created.id}`,
    headers: admin,
  });
  t.equal(del.statusCode, 204);
  await makeDue(created.id);
  // Another change, due at once, is applied: the poll ran past the cancelled one.
  const witness = await scheduled({ flag: 'called-off', change: { description: 'x' }, applyAt: inAnHour() });
  await makeDue(witness.id);
  t.equal((await settled(witness.id)).state, 'applied');
  const [cancelled] = await listOf(`flag=called-off&state=cancelled`);
  t.match(cancelled, { id: created.id, state: 'cancelled', appliedAt: null });
  t.ok(cancelled && (cancelled as unknown as { resolvedAt: string }).resolvedAt);
  const after = await flagOf('called-off');
  t.equal(after.enabled, false, 'the cancelled change was not applied');
  t.equal(after.version, flag.version + 1, 'only the witness applied');
  const again = await app.inject({
    method: 'DELETE',
    url: `/api/admin/scheduled-changes/${created.id}`,
    headers: admin,
  });
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'SCHEDULED_CHANGE_RESOLVED', message: /already cancelled/ });
  const applied = await app.inject({
    method: 'DELETE',
    url: `/api/admin/scheduled-changes/${witness.id}`,
    headers: admin,
  });
  t.equal(applied.statusCode, 409);
  t.match(applied.json().message, /already applied/);
  const unknown = await app.inject({
    method: 'DELETE',
    url: '/api/admin/scheduled-changes/00000000-0000-4000-8000-000000000000',
    headers: admin,
  });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'SCHEDULED_CHANGE_NOT_FOUND');
  const bad = await app.inject({ method: 'DELETE', url: '/api/admin/scheduled-changes/42', headers: admin });
  t.equal(bad.statusCode, 400);
  t.same(await actions('called-off'), [
    'flag.created',
    'schedule.created',
    'schedule.cancelled',
    'schedule.created',
    'schedule.applied',
    'flag.updated',
  ]);
});

t.test('a flag changed since it was scheduled is skipped, with why and what to do', async (t) => {
  const flag = await createFlag(app, { key: 'moved-on' });
  const created = await scheduled({ flag: 'moved-on', change: { enabled: true }, applyAt: inAnHour() });
  const patch = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/moved-on',
    headers: admin,
    payload: { description: 'someone else' },
  });
  t.equal(patch.statusCode, 200);
  await makeDue(created.id);
  const done = await settled(created.id);
  t.equal(done.state, 'skipped');
  t.match(
    done.reason,
    /changed after this change was scheduled \(it was at version 1, it is now at version 2\).*schedule the change again/,
  );
  const after = await flagOf('moved-on');
  t.equal(after.enabled, false, 'not applied');
  t.equal(after.version, flag.version + 1, 'only the other change');
  t.same(await actions('moved-on'), ['flag.created', 'schedule.created', 'flag.updated', 'schedule.skipped']);
});

t.test('an archived flag is skipped, pointing at restore', async (t) => {
  await createFlag(app, { key: 'gone' });
  const created = await scheduled({ flag: 'gone', change: { enabled: true }, applyAt: inAnHour() });
  const del = await app.inject({ method: 'DELETE', url: '/api/admin/flags/gone', headers: admin });
  t.equal(del.statusCode, 204);
  await makeDue(created.id);
  const done = await settled(created.id);
  t.equal(done.state, 'skipped');
  t.match(done.reason, /was archived.*POST \/api\/admin\/flags\/gone\/restore/);
  t.equal((await flagOf('gone')).enabled, false);
  const again = await schedule({ flag: 'gone', change: { enabled: true }, applyAt: inAnHour() });
  t.equal(again.statusCode, 409, 'an archived flag takes no new schedule');
  t.equal(again.json().code, 'FLAG_ARCHIVED');
});

t.test('a prerequisite archived since it was scheduled: skipped, not retried for ever', async (t) => {
  await createFlag(app, { key: 'later-base', enabled: true });
  await createFlag(app, { key: 'later-top' });
  const prerequisites = [{ flag: 'later-base', variants: ['on'] }];
  const circle = await schedule({
    flag: 'later-base',
    change: { prerequisites: [{ flag: 'later-base', variants: ['on'] }] },
    applyAt: inAnHour(),
  });
  t.equal(circle.statusCode, 409, 'a circle is refused when it is scheduled');
  t.equal(circle.json().code, 'PREREQUISITE_CYCLE');
  const created = await scheduled({ flag: 'later-top', change: { prerequisites }, applyAt: inAnHour() });
  const del = await app.inject({ method: 'DELETE', url: '/api/admin/flags/later-base', headers: admin });
  t.equal(del.statusCode, 204);
  await makeDue(created.id);
  const done = await settled(created.id);
  t.equal(done.state, 'skipped');
  t.match(done.reason, /no live flag 'later-base'.*Nothing was applied; schedule a corrected change/);
  t.same((await flagOf('later-top')).prerequisites, []);
});

t.test('lists filter by flag and state, in the order they are due', async (t) => {
  await createFlag(app, { key: 'listed' });
  const later = await scheduled({
    flag: 'listed',
    change: { enabled: false },
    applyAt: new Date(Date.now() + 7_200_000).toISOString(),
  });
  const sooner = await scheduled({ flag: 'listed', change: { enabled: true }, applyAt: inAnHour() });
  t.same(
    (await listOf('flag=listed')).map((s) => s.id),
    [sooner.id, later.id],
  );
  t.same(await listOf('flag=listed&state=applied'), []);
  const bad = await app.inject({ url: '/api/admin/scheduled-changes?state=done', headers: admin });
  t.equal(bad.statusCode, 400);
  const unknown = await app.inject({ url: '/api/admin/scheduled-changes?colour=red', headers: admin });
  t.equal(unknown.statusCode, 400);
});

t.test("a person's scheduled change is recorded as theirs, naming the change", async (t) => {
  await createFlag(app, { key: 'by-person' });
  const ada = await personSession(app, 'ada', 'Ada Lovelace');
  const res = await schedule({ flag: 'by-person', change: { enabled: true }, applyAt: inAnHour() }, ada);
  t.equal(res.statusCode, 201, res.body);
  const person = { kind: 'person', name: 'Ada Lovelace', subject: 'ada', email: 'ada@example.com' };
  t.match(res.json(), { createdBy: 'Ada Lovelace', scheduledBy: person });
  await makeDue(res.json().id);
  t.equal((await settled(res.json().id)).state, 'applied');
  const [update, applied] = (
    await app.inject({ url: '/api/admin/flags/by-person/history?limit=2', headers: admin })
  ).json().events;
  const asScheduled = { ...person, name: `Ada Lovelace (scheduled change ${res.json().id})` };
  t.match(update, { action: 'flag.updated', by: asScheduled });
  t.match(applied, { action: 'schedule.applied', by: asScheduled });
});

t.test('who may schedule, list and cancel', async (t) => {
  await createFlag(app, { key: 'guarded', environment: 'production' });
  await createFlag(app, { key: 'guarded', environment: 'staging' });
  const reader = bearer((await mintToken(app, { name: 'reader', scope: 'read' })).token);
  const stagingAdmin = bearer(
    (await mintToken(app, { name: 'staging-admin', scope: 'admin', environment: 'staging' })).token,
  );
  const body = { environment: 'production', flag: 'guarded', change: { enabled: true }, applyAt: inAnHour() };

  t.equal((await schedule(body, {})).statusCode, 401, 'no token');
  const byReader = await schedule(body, reader);
  t.equal(byReader.statusCode, 403, 'a read token cannot schedule');
  const elsewhere = await schedule(body, stagingAdmin);
  t.equal(elsewhere.statusCode, 403, 'an admin of staging cannot schedule in production');
  t.match(elsewhere.json().message, /staging/);

  const inProduction = await scheduled(body);
  const own = await schedule({ ...body, environment: 'staging' }, stagingAdmin);
  t.equal(own.statusCode, 201);
  t.match(own.json(), { createdBy: 'staging-admin', scheduledBy: { kind: 'token', name: 'staging-admin' } });

  t.equal((await listOf('environment=production', reader)).length, 1, 'a read token may list');
  const listElsewhere = await app.inject({
    url: '/api/admin/scheduled-changes?environment=production',
    headers: stagingAdmin,
  });
  t.equal(listElsewhere.statusCode, 403);
  t.same(
    (await listOf('', stagingAdmin)).map((s) => s.id),
    [own.json().id],
    "a restricted admin's list is of its own environment",
  );

  for (const headers of [reader, stagingAdmin]) {
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/admin/scheduled-changes/${inProduction.id}`,
      headers,
    });
    t.equal(res.statusCode, 403);
  }
  t.equal((await listOf('environment=production&state=pending')).length, 1, 'still pending');
});

t.test('a change an instance is applying cannot be cancelled', async (t) => {
  await createFlag(app, { key: 'in-flight' });
  const created = await scheduled({ flag: 'in-flight', change: { enabled: true }, applyAt: inAnHour() });
  // As an instance's claim leaves it: held for a while yet.
  await app.database.client.$executeRaw`
    UPDATE scheduled_changes SET claimed_until = (now() AT TIME ZONE 'UTC') + interval '1 minute'
    WHERE id = ${created.id}::uuid`;
  const res = await app.inject({
    method: 'DELETE',
    url: `/api/admin/scheduled-changes/${created.id}`,
    headers: admin,
  });
  t.equal(res.statusCode, 409);
  t.match(res.json(), { code: 'SCHEDULED_CHANGE_BEING_APPLIED', message: /being applied right now/ });
  t.equal((await listOf('flag=in-flight'))[0]?.state, 'pending');
});

t.test('on the embedded database, a due change is applied too', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flagstone-schedules-'));
  const embedded = await buildApp(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ADMIN_TOKEN }));
  t.teardown(async () => {
    await embedded.close();
    await rm(dir, { recursive: true, force: true });
  });
  await createFlag(embedded, { key: 'local' });
  const res = await embedded.inject({
    method: 'POST',
    url: '/api/admin/scheduled-changes',
    headers: admin,
    payload: { flag: 'local', change: { enabled: true }, applyAt: new Date(Date.now() + 5000).toISOString() },
  });
  t.equal(res.statusCode, 201);
  await within(
    30_000,
    async () => (await embedded.inject({ url: '/api/config/flags/local', headers: admin })).json().enabled,
    50,
  );
  const [done] = (
    await embedded.inject({ url: '/api/admin/scheduled-changes?flag=local', headers: admin })
  ).json().scheduledChanges;
  t.match(done, { state: 'applied' });
});
