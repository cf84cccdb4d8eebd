// Webhooks against a real PostgreSQL and real receivers on loopback ports: signed deliveries of
// the change log in revision order, at least once, through a receiver's outage, past a receiver
// that hangs, and after the instance that committed a change dies.
import t from 'tap';
import {
  ADMIN_TOKEN,
  admin,
  bearer,
  buildTestApp,
  createFlag,
  createSegment,
  mintToken,
  within,
} from '../helpers/app.ts';
import { startReceiver, verifySignature } from '../helpers/receiver.ts';
import { type Running, startServer, stopServer } from '../helpers/server-process.ts';

const KEY = 'webhook-test-signing-key-0123456789abcdef';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

async function createWebhook(app: App, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/api/admin/webhooks', headers: admin, payload: body });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; secret: string; environment: string; cursor: number };
}

const patchFlag = (app: App, key: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'PATCH', url: `/api/admin/flags/${key}`, headers: admin, payload });

const deliveries = async (app: App, id: string, query = '') =>
  (await app.inject({ url: `/api/admin/webhooks/${id}/deliveries${query}`, headers: admin })).json() as {
    deliveries: {
      id: string;
      status: string;
      attempts: number;
      revision: number;
      lastError: string | null;
      lastStatus: number | null;
    }[];
    nextCursor: string | null;
  };

t.test('create, list, get, patch, delete: the secret is shown once and stored encrypted', async (t) => {
  const { app } = await buildTestApp(t, { env: { EVENTS_SIGNING_KEY: KEY } });
  const receiver = await startReceiver(t);
  const created = await app.inject({
    method: 'POST',
    url: '/api/admin/webhooks?environment=staging',
    headers: admin,
    payload: { url: receiver.url, kinds: ['flag.*'] },
  });
  t.equal(created.statusCode, 201);
  t.equal(created.headers['cache-control'], 'no-store');
  const webhook = created.json();
  t.match(webhook, {
    environment: 'staging',
    url: receiver.url,
    kinds: ['flag.*'],
    format: 'json',
    enabled: true,
  });
  t.match(webhook.secret, /^whsec_[A-Za-z0-9_-]{43}$/);

  const listed = await app.inject({ url: '/api/admin/webhooks?environment=staging', headers: admin });
  t.equal(listed.statusCode, 200);
  t.same(
    listed.json().webhooks.map((w: { id: string }) => w.id),
    [webhook.id],
  );
  const got = await app.inject({ url: `/api/admin/webhooks/${webhook.id}`, headers: admin });
  t.equal(got.statusCode, 200);
  for (const body of [listed.body, got.body])
    t.notOk(body.includes(webhook.secret), 'no secret after creation');
  t.notOk('secret' in got.json());

  const [row] = await app.database.client.$queryRaw<{ secret: string }[]>`SELECT secret FROM webhooks`;
  t.match(row!.secret, /^v1:/, 'encrypted at rest');
  t.notOk(row!.secret.includes(webhook.secret.slice(6)));
  const audit = await app.database.client.$queryRaw<{ action: string; text: string }[]>`
    SELECT action, coalesce(before::text, '') || coalesce(after::text, '') AS text FROM audit_events WHERE action LIKE 'webhook.%'`;
  t.same(
    audit.map((a) => a.action),
    ['webhook.created'],
  );
  t.notOk(audit[0]!.text.includes(webhook.secret), 'the audit event holds no secret');
  t.notOk(audit[0]!.text.includes('/hook'), "nor the URL's path, which may be a credential (Slack's)");
  t.ok(audit[0]!.text.includes(new URL(receiver.url).origin), 'the origin names the receiver');

  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/admin/webhooks/${webhook.id}`,
    headers: admin,
    payload: { enabled: false, kinds: ['*'] },
  });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { enabled: false, kinds: ['*'] });
  t.notOk(patched.body.includes(webhook.secret));

  const deleted = await app.inject({
    method: 'DELETE',
    url: `/api/admin/webhooks/${webhook.id}`,
    headers: admin,
  });
  t.equal(deleted.statusCode, 204);
  t.equal((await app.inject({ url: `/api/admin/webhooks/${webhook.id}`, headers: admin })).statusCode, 404);
  const actions = await app.database.client.$queryRaw<{ action: string }[]>`
    SELECT action FROM audit_events WHERE action LIKE 'webhook.%' ORDER BY id`;
  t.same(
    actions.map((a) => a.action),
    ['webhook.created', 'webhook.updated', 'webhook.deleted'],
  );
});

t.test('bad input is refused with a 4xx and changes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const receiver = await startReceiver(t);
  const count = async () =>
    (await app.database.client.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM webhooks`)[0]!.n;
  const cases: [Record<string, unknown>, number, string, string?][] = [
    [{ url: 'ftp://example.com/hook' }, 400, 'INVALID_WEBHOOK_URL'],
    [{ url: 'file:///etc/passwd' }, 400, 'INVALID_WEBHOOK_URL'],
    [{ url: 'javascript:alert(1)' }, 400, 'INVALID_WEBHOOK_URL'],
    [{ url: '/relative/hook' }, 400, 'INVALID_WEBHOOK_URL'],
    [{ url: `https://example.com/${'x'.repeat(2048)}` }, 400, 'VALIDATION_ERROR'],
    [{ url: 'http://user:pw@example.com/hook' }, 400, 'INVALID_WEBHOOK_URL'],
    [{ url: 'http://exa mple.com' }, 400, 'INVALID_WEBHOOK_URL'],
    [{ url: 'https://[::1' }, 400, 'INVALID_WEBHOOK_URL'],
    [{}, 400, 'VALIDATION_ERROR'],
    [{ url: receiver.url, kinds: [] }, 400, 'VALIDATION_ERROR'],
    [{ url: receiver.url, kinds: ['token.created'] }, 400, 'VALIDATION_ERROR'],
    [{ url: receiver.url, format: 'xml' }, 400, 'VALIDATION_ERROR'],
    [{ url: receiver.url, secret: 'mine' }, 400, 'VALIDATION_ERROR'],
    [{ url: receiver.url, environment: 'nowhere' }, 404, 'ENVIRONMENT_NOT_FOUND'],
  ];
  for (const [payload, status, code] of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/admin/webhooks', headers: admin, payload });
    t.equal(res.statusCode, status, JSON.stringify(payload));
    t.equal(res.json().code, code, JSON.stringify(payload));
  }
  const ftp = await app.inject({
    method: 'POST',
    url: '/api/admin/webhooks',
    headers: admin,
    payload: { url: 'ftp://example.com/hook' },
  });
  t.match(
    ftp.json().message,
    /has scheme 'ftp'; only http and https are sent to\. Give an absolute http:\/\/ or https:\/\/ URL/,
  );
  t.equal(await count(), 0, 'nothing was created');

  const webhook = await createWebhook(app, { url: receiver.url });
  const before = await app.inject({ url: `/api/admin/webhooks/${webhook.id}`, headers: admin });
  for (const [payload, status] of [
    [{}, 400],
    [{ url: 'gopher://example.com' }, 400],
    [{ enabled: 'yes' }, 400],
  ] as const) {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/admin/webhooks/${webhook.id}`,
      headers: admin,
      payload,
    });
    t.equal(res.statusCode, status, JSON.stringify(payload));
  }
  t.same(
    (await app.inject({ url: `/api/admin/webhooks/${webhook.id}`, headers: admin })).json(),
    before.json(),
  );
  const unknown = '00000000-0000-4000-8000-000000000000';
  for (const [method, url] of [
    ['GET', `/api/admin/webhooks/${unknown}`],
    ['DELETE', `/api/admin/webhooks/${unknown}`],
    ['GET', `/api/admin/webhooks/${unknown}/deliveries`],
    ['POST', `/api/admin/webhooks/${webhook.id}/deliveries/${unknown}/redeliver`],
  ] as const) {
    const res = await app.inject({ method, url, headers: admin });
    t.equal(res.statusCode, 404, `${method} ${url}`);
  }
  t.equal((await app.inject({ url: '/api/admin/webhooks/not-a-uuid', headers: admin })).statusCode, 400);
  t.equal(
    (await app.inject({ url: `/api/admin/webhooks/${webhook.id}/deliveries?limit=0`, headers: admin }))
      .statusCode,
    400,
  );

  // Who may: an admin of the environment; a read token or an admin of another environment may not.
  const reader = await mintToken(app, { name: 'reader', scope: 'read' });
  const stagingAdmin = await mintToken(app, {
    name: 'staging-admin',
    scope: 'admin',
    environment: 'staging',
  });
  t.equal((await app.inject({ url: '/api/admin/webhooks', headers: bearer(reader.token) })).statusCode, 403);
  t.equal(
    (await app.inject({ url: `/api/admin/webhooks/${webhook.id}`, headers: bearer(stagingAdmin.token) }))
      .statusCode,
    403,
  );
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/admin/webhooks/${webhook.id}`,
    headers: bearer(stagingAdmin.token),
  });
  t.equal(del.statusCode, 403);
  t.equal((await app.inject({ url: '/api/admin/webhooks' })).statusCode, 401);
  t.equal(await count(), 1, 'still there');
});

t.test(
  'changes are delivered in order, signed, only the kinds wanted; redeliver sends one again',
  async (t) => {
    const { app } = await buildTestApp(t, { env: { EVENTS_SIGNING_KEY: KEY } });
    let secret = '';
    let segmentSecret = '';
    const receiver = await startReceiver(t, () => secret);
    const segments = await startReceiver(t, () => segmentSecret);
    await createFlag(app, { key: 'before-webhook' }); // before the webhook: not sent
    const webhook = await createWebhook(app, { url: receiver.url, kinds: ['flag.*'] });
    secret = webhook.secret;
    const segmentHook = await createWebhook(app, { url: segments.url, kinds: ['segment.*'] });
    segmentSecret = segmentHook.secret;

    await createFlag(app, { key: 'new-checkout' });
    await createSegment(app, { key: 'beta', conditions: [] });
    for (const enabled of [true, false, true, false, true]) {
      t.equal((await patchFlag(app, 'new-checkout', { enabled })).statusCode, 200);
    }
    await within(30_000, async () => receiver.delivered().length >= 6, 20);
    await within(30_000, async () => segments.delivered().length >= 1, 20);
    const bodies = receiver.delivered();
    t.same(
      bodies.map((b) => b.action),
      ['flag.created', ...Array(5).fill('flag.updated')],
    );
    const revisions = bodies.map((b) => b.revision);
    t.same(
      revisions,
      [...revisions].sort((a, b) => a - b),
      'in revision order',
    );
    t.ok(
      receiver.received.every((r) => r.verified),
      'every signature verifies',
    );
    t.ok(
      segments.received.every((r) => r.verified),
      'every signature verifies with its own secret',
    );
    t.notOk(
      verifySignature(
        segmentSecret,
        receiver.received[0]!.headers['flagstone-signature'] as string,
        receiver.received[0]!.body,
      ),
    );
    t.match(bodies[1], {
      environment: 'development',
      action: 'flag.updated',
      flag: 'new-checkout',
      segment: null,
      actor: { kind: 'token', name: 'bootstrap' },
      summary: ['turned on in development'],
      before: { enabled: false },
      after: { enabled: true },
    });
    const first = receiver.received[0]!;
    t.equal(first.headers['flagstone-event'], 'flag.created');
    t.equal(first.headers['flagstone-delivery'], bodies[0].id);
    t.match(first.headers['flagstone-signature'], /^t=\d+,v1=[0-9a-f]{64}$/);
    t.same(
      segments.delivered().map((b) => [b.action, b.segment]),
      [['segment.created', 'beta']],
    );
    t.equal(receiver.duplicates(), 0);

    // The receiver answered; the service records that a moment later.
    await within(
      30_000,
      async () => (await deliveries(app, webhook.id)).deliveries.every((d) => d.status === 'delivered'),
      200,
    );
    const log = await deliveries(app, webhook.id);
    t.equal(log.deliveries.length, 6);
    t.ok(log.deliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatus === 200));
    t.same(
      log.deliveries.map((d) => d.revision),
      [...revisions].reverse(),
      'newest first',
    );
    const paged = await deliveries(app, webhook.id, '?limit=4');
    t.equal(paged.deliveries.length, 4);
    const rest = await deliveries(app, webhook.id, `?limit=4&cursor=${paged.nextCursor}`);
    t.same(
      [...paged.deliveries, ...rest.deliveries].map((d) => d.id),
      log.deliveries.map((d) => d.id),
    );
    t.equal(rest.nextCursor, null);

    const oldest = log.deliveries.at(-1)!;
    const redelivered = await app.inject({
      method: 'POST',
      url: `/api/admin/webhooks/${webhook.id}/deliveries/${oldest.id}/redeliver`,
      headers: admin,
    });
    t.equal(redelivered.statusCode, 200);
    t.match(redelivered.json(), { id: oldest.id, status: 'delivered', attempts: 2 });
    t.equal(receiver.received.length, 7);
    const again = receiver.received.at(-1)!;
    t.ok(again.verified);
    t.equal(again.headers['flagstone-delivery'], oldest.id);
    t.equal(JSON.parse(again.body).action, 'flag.created');
    t.equal(receiver.duplicates(), 1, 'the redelivery is the one repeat');
    const [audited] = await app.database.client.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM audit_events WHERE action = 'webhook.redelivered'`;
    t.equal(audited!.n, 1);

    const metrics = await app.inject({ url: '/metrics' });
    t.match(metrics.body, /flagstone_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    t.match(metrics.body, /flagstone_webhook_delivery_lag_seconds_count [1-9]/);
  },
);

t.test('a receiver that goes away gets every change, in order, once it is back', async (t) => {
  const { app } = await buildTestApp(t, {
    env: { WEBHOOK_MAX_BACKOFF_SECONDS: '1', WEBHOOK_POLL_SECONDS: '1' },
  });
  let secret = '';
  const receiver = await startReceiver(t, () => secret);
  const webhook = await createWebhook(app, { url: receiver.url });
  secret = webhook.secret;
  await createFlag(app, { key: 'outage' });
  await within(30_000, async () => receiver.delivered().length === 1, 20);

  await receiver.close();
  for (const enabled of [true, false, true, false]) await patchFlag(app, 'outage', { enabled });
  await within(
    30_000,
    async () => {
      const [head] = (await deliveries(app, webhook.id)).deliveries.filter((d) => d.status === 'failed');
      return head !== undefined && head.attempts >= 2;
    },
    200,
  );
  const failed = (await deliveries(app, webhook.id)).deliveries.find((d) => d.status === 'failed')!;
  t.match(failed.lastError, /ECONNREFUSED/);
  t.equal(failed.lastStatus, null);
  t.equal(
    (await deliveries(app, webhook.id)).deliveries.filter((d) => d.status !== 'delivered').length,
    1,
    'only the head of the line was tried: nothing overtakes it',
  );
  const failedWebhook = (
    await app.inject({ url: `/api/admin/webhooks/${webhook.id}`, headers: admin })
  ).json();
  t.ok(failedWebhook.nextAttemptAt, 'backing off');

  // Back, answering errors first: still retried, still in order.
  receiver.state.status = 503;
  await receiver.open();
  await within(
    30_000,
    async () =>
      (await deliveries(app, webhook.id)).deliveries.some(
        (d) => d.status === 'failed' && d.lastStatus === 503,
      ),
    200,
  );
  const refused = (await deliveries(app, webhook.id)).deliveries.find((d) => d.status === 'failed')!;
  t.equal(refused.lastStatus, 503);
  t.match(refused.lastError, /HTTP 503: nope/);
  receiver.state.status = 200;
  await within(30_000, async () => receiver.delivered().length >= 5, 20);
  const bodies = receiver.delivered();
  t.same(
    bodies.map((b) => b.after.enabled),
    [false, true, false, true, false],
  );
  const revisions = bodies.map((b) => b.revision);
  t.same(
    revisions,
    [...revisions].sort((a, b) => a - b),
    'in revision order',
  );
  t.ok(
    receiver.received.every((r) => r.verified),
    'every signature verifies',
  );
  t.ok(receiver.duplicates() <= 1, `duplicates bounded (${receiver.duplicates()})`);
  const metrics = await app.inject({ url: '/metrics' });
  t.match(metrics.body, /flagstone_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
});

t.test('a receiver that hangs delays only its own webhook', async (t) => {
  const { app } = await buildTestApp(t, { env: { WEBHOOK_TIMEOUT_MS: '60000' } });
  const stuck = await startReceiver(t);
  const fine = await startReceiver(t);
  stuck.state.hold = true;
  await createWebhook(app, { url: stuck.url });
  await createWebhook(app, { url: fine.url });
  await createFlag(app, { key: 'independent' });
  for (const enabled of [true, false, true]) await patchFlag(app, 'independent', { enabled });
  await within(30_000, async () => fine.delivered().length === 4, 20);
  t.same(
    fine.delivered().map((b) => b.action),
    ['flag.created', 'flag.updated', 'flag.updated', 'flag.updated'],
  );
  t.equal(stuck.received.length, 1, 'the hanging receiver still holds its first delivery');
  t.equal(stuck.received[0]!.status, null, 'unanswered');
});

t.test('slack format: a readable line of text', async (t) => {
  const { app } = await buildTestApp(t);
  let secret = '';
  const receiver = await startReceiver(t, () => secret);
  const webhook = await createWebhook(app, { url: receiver.url, format: 'slack', kinds: ['flag.updated'] });
  secret = webhook.secret;
  await createFlag(app, { key: 'new-checkout' });
  await patchFlag(app, 'new-checkout', { enabled: true });
  await patchFlag(app, 'new-checkout', { description: 'a <b>new</b> checkout & more' });
  await within(30_000, async () => receiver.delivered().length === 2, 20);
  t.same(receiver.delivered(), [
    { text: 'bootstrap, flag `new-checkout`: turned on in development' },
    {
      text: 'bootstrap, flag `new-checkout`: changed the description to "a &lt;b&gt;new&lt;/b&gt; checkout &amp; more"',
    },
  ]);
  t.ok(receiver.received.every((r) => r.verified));
});

t.test('an instance killed right after a commit: another delivers the change', async (t) => {
  const { app: survivor, db } = await buildTestApp(t, {
    env: { WEBHOOK_POLL_SECONDS: '1', WEBHOOK_TIMEOUT_MS: '1000', EVENTS_SIGNING_KEY: KEY },
  });
  if (db.kind !== 'postgresql') {
    t.comment('skipped: needs PostgreSQL, which the instances share');
    return;
  }
  let secret = '';
  const receiver = await startReceiver(t, () => secret);
  const webhook = await createWebhook(survivor, { url: receiver.url });
  secret = webhook.secret;
  const servers: Running[] = [];
  t.teardown(() =>
    Promise.all(
      servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null).map(stopServer),
    ),
  );
  const doomed = await startServer({
    ...db.env,
    ADMIN_TOKEN,
    EVENTS_SIGNING_KEY: KEY,
    WEBHOOK_TIMEOUT_MS: '1000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
  });
  servers.push(doomed);
  // The receiver holds what it gets unanswered, so the doomed instance cannot complete a delivery.
  receiver.state.hold = true;
  const res = await fetch(`${doomed.base}/api/admin/flags`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'orphan' }),
  });
  t.equal(res.status, 201);
  doomed.child.kill('SIGKILL');
  await new Promise((resolve) => doomed.child.once('exit', resolve));
  receiver.state.hold = false;
  await within(90_000, async () => receiver.delivered().length === 1, 50);
  const [body] = receiver.delivered();
  t.match(body, { action: 'flag.created', flag: 'orphan' });
  t.ok(
    receiver.received.every((r) => r.verified),
    'signed with the secret both instances can read',
  );
  t.ok(receiver.received.length <= 3, `at most a couple of attempts (${receiver.received.length})`);
  t.equal(receiver.duplicates(), 0);
  await within(
    30_000,
    async () => {
      const [delivery] = (await deliveries(survivor, webhook.id)).deliveries;
      return delivery?.status === 'delivered' && delivery.revision === body.revision;
    },
    200,
  );
  t.pass('the delivery log says delivered');
});

t.test(
  'a disabled webhook keeps its place; an import of several changes in one revision is sent whole',
  async (t) => {
    const { app } = await buildTestApp(t);
    const paused = await startReceiver(t);
    const witness = await startReceiver(t);
    const webhook = await createWebhook(app, { url: paused.url });
    await createWebhook(app, { url: witness.url });
    const off = await app.inject({
      method: 'PATCH',
      url: `/api/admin/webhooks/${webhook.id}`,
      headers: admin,
      payload: { enabled: false },
    });
    t.equal(off.statusCode, 200);
    const imported = await app.inject({
      method: 'POST',
      url: '/api/admin/flagd/import',
      headers: admin,
      payload: {
        flags: {
          'import-a': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
          'import-b': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
        },
      },
    });
    t.equal(imported.statusCode, 200, imported.body);
    await createFlag(app, { key: 'after-import' });
    // The other webhook got all three, so the worker has been past the disabled one.
    await within(30_000, async () => witness.delivered().length === 3, 20);
    const sent = witness.delivered();
    t.same(
      sent
        .map((b) => b.flag)
        .slice(0, 2)
        .sort(),
      ['import-a', 'import-b'],
    );
    t.equal(sent[0].revision, sent[1].revision, 'one revision for the import');
    t.equal(sent[2].flag, 'after-import');
    t.ok(sent[2].revision > sent[0].revision);
    t.equal(paused.received.length, 0, 'nothing sent to the disabled webhook');

    const on = await app.inject({
      method: 'PATCH',
      url: `/api/admin/webhooks/${webhook.id}`,
      headers: admin,
      payload: { enabled: true },
    });
    t.equal(on.statusCode, 200);
    await within(30_000, async () => paused.delivered().length === 3, 20);
    t.same(
      paused.delivered().map((b) => b.eventId),
      sent.map((b) => b.eventId),
      'the changes made while it was disabled, in the same order',
    );
  },
);

t.test(
  'a failure halfway through a revision of several changes is retried without a further change',
  async (t) => {
    const { app } = await buildTestApp(t, { env: { WEBHOOK_MAX_BACKOFF_SECONDS: '1' } });
    const receiver = await startReceiver(t);
    const webhook = await createWebhook(app, { url: receiver.url });
    // The first change of the import is accepted, the second refused until told otherwise.
    receiver.state.answer = () => (receiver.delivered().length >= 1 ? 503 : 200);
    const imported = await app.inject({
      method: 'POST',
      url: '/api/admin/flagd/import',
      headers: admin,
      payload: {
        flags: {
          'half-a': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
          'half-b': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
        },
      },
    });
    t.equal(imported.statusCode, 200, imported.body);
    await within(
      30_000,
      async () => {
        const log = (await deliveries(app, webhook.id)).deliveries;
        return (
          log.some((d) => d.status === 'delivered') &&
          log.some((d) => d.status === 'failed' && d.attempts >= 2)
        );
      },
      200,
    );
    receiver.state.answer = undefined;
    await within(30_000, async () => receiver.delivered().length === 2, 20);
    t.same(
      receiver
        .delivered()
        .map((b) => b.flag)
        .sort(),
      ['half-a', 'half-b'],
    );
    t.equal(receiver.delivered()[0].revision, receiver.delivered()[1].revision);
  },
);
