// The flagd sync service with a plain grpc-js client: the documents it serves (the same as the
// export's), selectors, who may follow what, revocation, the stream limit, pushes after a change
// (coalesced, never missing the last revision), health, metrics and shutdown.
import { createServer } from 'node:net';
import { status } from '@grpc/grpc-js';
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, admin, buildTestApp, createFlag, mintToken, within } from '../helpers/app.ts';
import { slowReader, syncClients } from '../helpers/sync-client.ts';

async function syncApp(t: Test, env: Record<string, string> = {}) {
  const built = await buildTestApp(t, { env: { SYNC_PORT: '0', ...env } });
  const port = built.app.sync.port!;
  return { ...built, port, clients: syncClients(t, port) };
}

const flip = (
  app: Awaited<ReturnType<typeof syncApp>>['app'],
  key: string,
  enabled: boolean,
  environment = 'development',
) =>
  app.inject({
    method: 'PATCH',
    url: `/api/admin/flags/${key}?environment=${environment}`,
    headers: admin,
    payload: { enabled },
  });

t.test('SyncFlags and FetchAllFlags serve the export; selectors in every form; GetMetadata', async (t) => {
  const { app, port, clients } = await syncApp(t);
  t.ok(port > 0, `listening on port ${port}`);
  await createFlag(app, { key: 'banner', environment: 'staging', enabled: true });
  const exported = await app.inject({ url: '/api/config/flagd?environment=staging', headers: admin });

  const fetched = await clients.fetch({ selector: 'staging', token: ADMIN_TOKEN });
  t.equal(fetched.document, exported.body, 'FetchAllFlags returns GET /api/config/flagd, byte for byte');
  for (const options of [
    { selector: 'flagSetId=staging' },
    { selector: 'flagSetId = staging' },
    { field: 'staging' },
    { field: 'flagSetId=staging' },
    { apiKey: ADMIN_TOKEN, selector: 'staging' },
  ]) {
    const { document } = await clients.fetch({ token: ADMIN_TOKEN, ...options });
    t.equal(document, exported.body, `the selector ${JSON.stringify(options)}`);
  }
  const header = await clients.fetch({ token: ADMIN_TOKEN, selector: 'staging', field: 'production' });
  t.equal(JSON.parse(header.document!).metadata.flagSetId, 'staging', 'the header wins over the field');
  const unnamed = await clients.fetch({ token: ADMIN_TOKEN });
  t.equal(JSON.parse(unnamed.document!).metadata.flagSetId, 'development', 'none: DEFAULT_ENVIRONMENT');

  const stream = clients.stream({ selector: 'flagSetId=staging', token: ADMIN_TOKEN });
  t.equal(await stream.next(1), exported.body, 'SyncFlags sends the whole document at once');

  // Providers add GetMetadata's fields to every evaluation's context, over the caller's own.
  const { metadata } = await clients.metadata({ selector: 'staging', token: ADMIN_TOKEN });
  t.same(metadata, { fields: {} }, 'GetMetadata: no static context, nothing added to evaluations');
  const refusedMetadata = await clients.metadata({ selector: 'staging' });
  t.equal(refusedMetadata.error?.code, status.UNAUTHENTICATED, 'GetMetadata is authorized like the rest');
  t.equal(await clients.check(''), 'SERVING');
  t.equal(await clients.check('flagd.sync.v1.FlagSyncService'), 'SERVING');
});

t.test('who may follow what', async (t) => {
  const { app, clients } = await syncApp(t, { SYNC_OPEN_ENVIRONMENTS: 'staging' });
  const refused = async (options: Parameters<typeof clients.fetch>[0], code: status, details: RegExp) => {
    const { error } = await clients.fetch(options);
    t.equal(
      error?.code,
      code,
      `${JSON.stringify({ ...options, token: options?.token && '…' })}: ${status[code]}`,
    );
    t.match(error?.details, details);
    const stream = clients.stream(options);
    t.match(await stream.ended, { code, details }, 'a stream is refused alike');
  };

  await refused(
    { selector: 'production' },
    status.UNAUTHENTICATED,
    /needs an API token.*authorization: Bearer <token>/,
  );
  await refused({}, status.UNAUTHENTICATED, /'development' needs an API token/);
  await refused({ selector: 'production', token: 'fs_nobody' }, status.UNAUTHENTICATED, /Unknown API token/);
  await refused({ selector: 'staging', token: 'fs_nobody' }, status.UNAUTHENTICATED, /Unknown API token/);

  const stagingReader = await mintToken(app, {
    name: 'staging-reader',
    scope: 'read',
    environment: 'staging',
  });
  await refused(
    { selector: 'production', token: stagingReader.token },
    status.PERMISSION_DENIED,
    /may only use environment 'staging', not 'production'/,
  );
  const own = await clients.fetch({ token: stagingReader.token });
  t.equal(
    JSON.parse(own.document!).metadata.flagSetId,
    'staging',
    "no selector: the token's own environment",
  );

  const reader = await mintToken(app, { name: 'reader', scope: 'read' });
  const production = clients.stream({ selector: 'production', token: reader.token });
  t.equal(JSON.parse(await production.next(1)).metadata.flagSetId, 'production', 'a read token');
  const byAdmin = clients.stream({ selector: 'production', apiKey: ADMIN_TOKEN });
  t.ok(await byAdmin.next(1), 'an admin token, as x-api-key');
  const open = clients.stream({ selector: 'flagSetId=staging' });
  t.equal(JSON.parse(await open.next(1)).metadata.flagSetId, 'staging', 'an open environment, no token');

  await refused(
    { selector: 'nowhere', token: ADMIN_TOKEN },
    status.NOT_FOUND,
    /Environment 'nowhere' does not exist/,
  );
  await refused(
    { selector: 'source=db', token: ADMIN_TOKEN },
    status.INVALID_ARGUMENT,
    /names 'source'.*'flagSetId=production'/,
  );
  await refused(
    { selector: 'flagSetId=Prod!', token: ADMIN_TOKEN },
    status.INVALID_ARGUMENT,
    /not an environment key/,
  );
  await refused({ selector: 'a,b', token: ADMIN_TOKEN }, status.INVALID_ARGUMENT, /not an environment key/);
  await refused(
    { selector: '=staging', token: ADMIN_TOKEN },
    status.INVALID_ARGUMENT,
    /not an environment key/,
  );
  const malformed = await clients.fetch({ selector: 'staging', token: 'two words' });
  t.equal(malformed.error?.code, status.UNAUTHENTICATED, 'a malformed authorization');

  const metrics = (await app.inject({ url: '/metrics' })).body;
  t.match(metrics, /^flagstone_sync_streams 3$/m, 'the open streams gauge');
  t.match(metrics, /^flagstone_sync_refused_total\{reason="unauthenticated"\} [1-9]\d*$/m);
  t.match(metrics, /^flagstone_sync_refused_total\{reason="permission_denied"\} 2$/m);
  t.match(metrics, /^flagstone_sync_refused_total\{reason="not_found"\} 2$/m);
  t.match(metrics, /^flagstone_sync_refused_total\{reason="invalid_argument"\} 8$/m);
  t.match(metrics, /^flagstone_sync_documents_sent_total\{rpc="SyncFlags"\} 3$/m);
  t.match(metrics, /^flagstone_sync_documents_sent_total\{rpc="FetchAllFlags"\} 1$/m);
  t.match(metrics, /^flagstone_sync_document_bytes\{environment="production"\} [1-9]\d*$/m, 'document sizes');
});

t.test('revoking a token ends its streams with UNAUTHENTICATED; others stay', async (t) => {
  const { app, clients } = await syncApp(t, { SYNC_OPEN_ENVIRONMENTS: 'development' });
  const doomed = await mintToken(app, { name: 'doomed', scope: 'read' });
  const kept = await mintToken(app, { name: 'kept', scope: 'read' });
  const onClosed = clients.stream({ selector: 'production', token: doomed.token });
  const onOpen = clients.stream({ token: doomed.token });
  const other = clients.stream({ selector: 'production', token: kept.token });
  for (const s of [onClosed, onOpen, other]) await s.next(1);
  const res = await app.inject({ method: 'DELETE', url: `/api/admin/tokens/${doomed.id}`, headers: admin });
  t.equal(res.statusCode, 204);
  for (const s of [onClosed, onOpen]) {
    t.match(await s.ended, { code: status.UNAUTHENTICATED, details: /revoked.*new read token/ });
  }
  await createFlag(app, { key: 'after', environment: 'production' });
  t.ok(JSON.parse(await other.next(2)).flags.after, "another token's stream goes on");
  const again = await clients.fetch({ selector: 'production', token: doomed.token });
  t.equal(again.error?.code, status.UNAUTHENTICATED, 'and the token is refused from then on');
  t.match(again.error?.details, /revoked/);
  t.match(
    (await app.inject({ url: '/metrics' })).body,
    /^flagstone_sync_refused_total\{reason="revoked"\} 2$/m,
  );
});

t.test('SYNC_MAX_STREAMS: the next stream is RESOURCE_EXHAUSTED; a closed one makes room', async (t) => {
  const { app, clients } = await syncApp(t, { SYNC_MAX_STREAMS: '2' });
  const first = clients.stream({ token: ADMIN_TOKEN });
  const second = clients.stream({ token: ADMIN_TOKEN });
  await first.next(1);
  await second.next(1);
  const third = clients.stream({ token: ADMIN_TOKEN });
  t.match(await third.ended, {
    code: status.RESOURCE_EXHAUSTED,
    details: /its 2 sync streams \(SYNC_MAX_STREAMS\)/,
  });
  const fetched = await clients.fetch({ token: ADMIN_TOKEN });
  t.ok(fetched.document, 'FetchAllFlags is no stream: it is answered');
  first.cancel();
  await within(10_000, async () =>
    /^flagstone_sync_streams 1$/m.test((await app.inject({ url: '/metrics' })).body),
  );
  const fourth = clients.stream({ token: ADMIN_TOKEN });
  t.ok(await fourth.next(1), 'a cancelled stream makes room');
  t.match(
    (await app.inject({ url: '/metrics' })).body,
    /^flagstone_sync_refused_total\{reason="streams_full"\} 1$/m,
  );
});

t.test('a change is pushed; a burst of changes arrives in order and ends on the last revision', async (t) => {
  const { app, clients } = await syncApp(t);
  await createFlag(app, { key: 'banner' });
  const stream = clients.stream({ token: ADMIN_TOKEN });
  t.equal(
    JSON.parse(await stream.next(1)).flags.banner.defaultVariant,
    'off',
    'off: serving its off variant',
  );
  const started = performance.now();
  t.equal((await flip(app, 'banner', true)).statusCode, 200);
  const pushed = JSON.parse(await stream.next(2));
  t.comment(`the document arrived ${(performance.now() - started).toFixed(1)} ms after the PATCH was sent`);
  t.equal(pushed.flags.banner.defaultVariant, 'on', 'turned on');

  // A burst of changes, written as fast as the database takes them.
  const keys = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
  await Promise.all(keys.map((key) => createFlag(app, { key })));
  const last = (await app.inject({ url: '/api/config/flags', headers: admin })).json().revision as number;
  await within(20_000, async () => JSON.parse(stream.documents.at(-1)!).metadata.version === String(last));
  const versions = stream.documents.map((d) => Number(JSON.parse(d).metadata.version));
  t.same(
    [...versions].sort((a, b) => a - b),
    versions,
    'revisions only move forward',
  );
  t.same(new Set(versions).size, versions.length, 'no revision is sent twice');
  t.same(Object.keys(JSON.parse(stream.documents.at(-1)!).flags).sort(), ['banner', ...keys].sort());
  t.comment(`${versions.length - 2} documents for ${keys.length} changes`);
  const metrics = (await app.inject({ url: '/metrics' })).body;
  t.match(metrics, /^flagstone_sync_broadcast_seconds_count [1-9]\d*$/m, 'broadcasts are timed');
});

t.test('a provider that reads slowly gets the latest revision next, not every one', async (t) => {
  const { app, port } = await syncApp(t);
  // Documents of about 500 kB, far above HTTP/2's 64 kB window: a reader that stops holds a write.
  for (let i = 0; i < 10; i++) {
    await createFlag(app, {
      key: `large-${i}`,
      type: 'json',
      variants: { a: { text: 'x'.repeat(50_000) } },
      defaultVariant: 'a',
    });
  }
  await createFlag(app, { key: 'banner' });
  const reader = slowReader(t, port, ADMIN_TOKEN);
  await within(20_000, async () => reader.documents.length === 1);
  reader.pause();
  const sent = async () =>
    Number(
      /^flagstone_sync_documents_sent_total\{rpc="SyncFlags"\} (\d+)$/m.exec(
        (await app.inject({ url: '/metrics' })).body,
      )?.[1],
    );
  const changes = 6;
  for (let i = 0; i < changes; i++) t.equal((await flip(app, 'banner', i % 2 === 0)).statusCode, 200);
  const last = (await app.inject({ url: '/api/config/flags', headers: admin })).json().revision as number;
  await within(10_000, async () => (await sent()) >= 2);
  t.equal(await sent(), 2, 'while it does not read: the first document and one change in flight, no queue');
  reader.resume();
  await within(20_000, async () => JSON.parse(reader.documents.at(-1)!).metadata.version === String(last));
  const versions = reader.documents.map((d) => Number(JSON.parse(d).metadata.version));
  t.comment(
    `revisions received: ${versions.join(', ')}; the last ${changes} changes were ${last - changes + 1}-${last}`,
  );
  t.ok(versions.length - 1 < changes, `${versions.length - 1} documents for ${changes} changes`);
  t.equal(versions[1], last - changes + 1, 'the one in flight was the first change');
  t.equal(versions.at(-1), last, 'then the latest');
});

t.test('shutdown: NOT_SERVING, every stream ends UNAVAILABLE, and close completes', async (t) => {
  const { app, clients } = await syncApp(t);
  const streams = [
    clients.stream({ token: ADMIN_TOKEN }),
    clients.stream({ token: ADMIN_TOKEN, selector: 'staging' }),
  ];
  for (const s of streams) await s.next(1);
  const watched = clients.watch('flagd.sync.v1.FlagSyncService');
  await within(10_000, async () => watched.statuses.includes('SERVING'));
  const closing = app.close();
  for (const s of streams) {
    t.match(await s.ended, { code: status.UNAVAILABLE, details: /shutting down.*Reconnect/ });
  }
  await within(10_000, async () => watched.statuses.includes('NOT_SERVING'));
  t.pass('the health service said NOT_SERVING');
  watched.cancel();
  await closing;
  t.pass('the app closed');
});

t.test('a taken SYNC_PORT stops start-up with a message that says what to do', async (t) => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => blocker.once('listening', resolve));
  t.teardown(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  await t.rejects(buildTestApp(t, { env: { SYNC_PORT: String(taken) } }), {
    name: 'SyncListenError',
    message: new RegExp(
      `cannot listen on 127\\.0\\.0\\.1:${taken} \\(SYNC_PORT\\).*Free the port, or set SYNC_PORT`,
    ),
  });
});

t.test('without SYNC_PORT there is no sync service', async (t) => {
  const { app } = await buildTestApp(t);
  t.notOk(app.hasDecorator('sync'));
  t.notMatch((await app.inject({ url: '/metrics' })).body, /^flagstone_sync_streams [1-9]/m);
});
