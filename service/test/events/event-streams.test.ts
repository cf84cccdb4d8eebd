// Event streams over real HTTP: the bulk answer's eventStreams URL, one refetchEvaluation event
// per change (on every instance), Last-Event-ID, refused tickets, the stream limit, revocation,
// shutdown, and a refetch that names a revision this instance has not reached yet.
import t, { type Test } from 'tap';
import {
  admin,
  bearer,
  buildListeningApp,
  createFlag,
  createSegment,
  mintToken,
  within,
} from '../helpers/app.ts';
import type { TestDatabase } from '../helpers/database.ts';
import { findRedis, testPrefix } from '../helpers/redis.ts';
import { openStream } from '../helpers/sse.ts';

const SIGNING = { EVENTS_SIGNING_KEY: 'test-signing-key-0123456789abcdef0123' };

const listening = (t: Test, env: Record<string, string> = {}, database?: TestDatabase) =>
  buildListeningApp(t, { env: { ...SIGNING, ...env }, ...(database ? { database } : {}) });

/** The bulk evaluation as a provider makes it; its body, ETag and event-stream URL. */
async function bulk(base: string, token: string, query = '') {
  const res = await fetch(`${base}/ofrep/v1/evaluate/flags${query}`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: '{"context":{}}',
  });
  const body = (await res.json()) as { flags: unknown[]; eventStreams?: { url: string }[] };
  return {
    status: res.status,
    body,
    etag: res.headers.get('etag'),
    url: body.eventStreams?.[0]?.url as string,
  };
}

const flip = (app: Awaited<ReturnType<typeof listening>>['app'], key: string, enabled: boolean) =>
  app.inject({ method: 'PATCH', url: `/api/admin/flags/${key}`, headers: admin, payload: { enabled } });

t.test('the bulk answer names a stream; a change sends one event, the revision as its id', async (t) => {
  const { app, base } = await listening(t);
  await createFlag(app, { key: 'banner' });
  const { token } = await mintToken(app, { name: 'web', scope: 'read' });
  const hour = () => Math.floor(Date.now() / 3_600_000);
  const issuedIn = hour();
  const { body, url } = await bulk(base, token);
  t.match(body.eventStreams, [
    {
      type: 'sse',
      url: /^http:\/\/127\.0\.0\.1:\d+\/ofrep\/v1\/events\?ticket=v1~/,
      inactivityDelaySec: 120,
    },
  ]);
  t.notMatch(url, token, 'the URL never carries the API token');

  const stream = await openStream(url);
  t.equal(stream.status, 200);
  t.match(stream.headers['content-type'], /^text\/event-stream/);
  t.equal(stream.headers['cache-control'], 'no-cache, no-transform');
  t.equal(stream.events.length, 0, 'nothing to tell yet');
  const started = performance.now();
  const changed = await flip(app, 'banner', true);
  const event = await stream.next();
  t.comment(`the event arrived ${(performance.now() - started).toFixed(1)} ms after the PATCH was sent`);
  const revision = Number(event.id);
  t.equal(event.event, 'message');
  t.match(JSON.parse(event.data!), {
    type: 'refetchEvaluation',
    etag: `"development-${revision}"`,
    lastModified: Number,
  });
  t.equal(changed.statusCode, 200);
  const list = await app.inject({ url: '/api/config/flags', headers: admin });
  t.equal(list.json().revision, revision, "the id is the environment's revision");

  const refetched = await bulk(
    base,
    token,
    `?flagConfigEtag=${encodeURIComponent(JSON.parse(event.data!).etag)}`,
  );
  t.match(refetched.body.flags, [{ key: 'banner', value: true }], 'the refetch sees the change');
  // Tickets of one hour are one URL (tickets.test.ts checks the hour boundary on a fixed clock).
  if (hour() === issuedIn)
    t.equal(refetched.url, url, 'the same stream URL: the provider keeps its connection');
  else t.comment('an hour began between the two answers: a new ticket, as it should be');
  stream.close();
});

t.test('Last-Event-ID behind the revision gets one event at once; up to date, none', async (t) => {
  const { app, base } = await listening(t);
  await createFlag(app, { key: 'banner' });
  const { token } = await mintToken(app, { name: 'web', scope: 'read' });
  const { url } = await bulk(base, token);
  const revision = (await app.inject({ url: '/api/config/flags', headers: admin })).json().revision as number;
  const behind = await openStream(url, { 'last-event-id': String(revision - 1) });
  const caughtUp = await behind.next(10_000, 0);
  t.equal(caughtUp.id, String(revision));
  const current = await openStream(url, { 'last-event-id': String(revision) });
  await flip(app, 'banner', true);
  const next = await current.next();
  t.equal(next.id, String(revision + 1), 'the first event it gets is the next change');
  for (const odd of ['abc', '-1', '']) {
    const stream = await openStream(url, { 'last-event-id': odd });
    t.equal(stream.status, 200, `Last-Event-ID ${JSON.stringify(odd)} is ignored`);
    stream.close();
  }
  behind.close();
  current.close();
});

t.test(
  'refused: no, forged or tampered tickets, a revoked token; a revoked token ends its streams',
  async (t) => {
    const { app, base } = await listening(t);
    const web = await mintToken(app, { name: 'web', scope: 'read' });
    const { url } = await bulk(base, web.token);
    const ticket = new URL(url).searchParams.get('ticket')!;
    const get = async (query: string) => {
      const res = await fetch(`${base}/ofrep/v1/events${query}`);
      return { status: res.status, body: await res.json() };
    };
    t.match(await get(''), { status: 400, body: { code: 'VALIDATION_ERROR' } });
    t.match(await get(`?ticket=${ticket.replace('~development~', '~staging~')}`), {
      status: 401,
      body: { code: 'UNAUTHORIZED', message: /was not signed by this service\. Evaluate the flags again/ },
    });
    t.match(await get('?ticket=nonsense'), {
      status: 401,
      body: { message: /is not an event-stream ticket/ },
    });
    t.match(await get(`?ticket=${ticket}&other=1`), { status: 400 });

    const open = await openStream(url);
    t.equal(open.status, 200);
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/admin/tokens/${web.id}`,
      headers: admin,
    });
    t.equal(revoked.statusCode, 204);
    await open.ended;
    t.pass('the open stream ended with the revocation');
    t.match(await get(`?ticket=${ticket}`), { status: 401, body: { message: /is revoked/ } });
  },
);

t.test(
  'past MAX_EVENT_STREAMS a stream gets 503 with Retry-After; metrics count streams and events',
  async (t) => {
    const { app, base } = await listening(t, { MAX_EVENT_STREAMS: '2' });
    await createFlag(app, { key: 'banner' });
    const { token } = await mintToken(app, { name: 'web', scope: 'read' });
    const { url } = await bulk(base, token);
    const streams = [await openStream(url), await openStream(url)];
    const third = await fetch(url);
    t.equal(third.status, 503);
    t.equal(third.headers.get('retry-after'), '5');
    t.match(await third.json(), {
      code: 'EVENT_STREAMS_FULL',
      message: /its 2 event streams \(MAX_EVENT_STREAMS\)\. Retry in a few seconds/,
    });
    await flip(app, 'banner', true);
    await Promise.all(streams.map((s) => s.next()));
    const metrics = (await app.inject({ url: '/metrics' })).body;
    t.match(metrics, /^flagstone_event_streams 2$/m);
    t.match(metrics, /^flagstone_events_sent_total 2$/m);
    t.match(metrics, /^flagstone_event_streams_refused_total\{reason="instance"\} 1$/m);
    t.match(metrics, /^flagstone_event_broadcast_seconds_count 1$/m);
    streams[0]!.close();
    // The server learns of the close a moment later: wait for its gauge, then there is room.
    await within(10_000, async () =>
      /^flagstone_event_streams 1$/m.test((await app.inject({ url: '/metrics' })).body),
    );
    const again = await openStream(url);
    t.equal(again.status, 200, 'a closed stream makes room');
    for (const s of [streams[1]!, again]) s.close();
  },
);

t.test(
  'heartbeats keep an idle stream open, past the request timeouts; shutdown ends every stream',
  async (t) => {
    // The shortest request timeouts: a stream is a response, which they do not limit.
    const { app, base } = await listening(t, {
      EVENTS_HEARTBEAT_SECONDS: '1',
      REQUEST_TIMEOUT_MS: '1000',
      HEADERS_TIMEOUT_MS: '1000',
    });
    const { token } = await mintToken(app, { name: 'web', scope: 'read' });
    const { url } = await bulk(base, token);
    const stream = await openStream(url);
    const deadline = Date.now() + 10_000;
    while (stream.comments() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    t.ok(
      stream.comments() >= 4,
      `${stream.comments()} comments (one at the start, then a heartbeat a second)`,
    );
    t.notOk(stream.closed(), 'still open after three seconds');
    await app.close();
    await stream.ended;
    t.pass('closing the app ended the stream, so its client reconnects elsewhere');
  },
);

t.test('a stream still opening when shutdown begins is refused, and shutdown completes', async (t) => {
  const { app, base } = await listening(t);
  const { token } = await mintToken(app, { name: 'late', scope: 'read' });
  const { url } = await bulk(base, token);
  // The stream's request has arrived and waits for its snapshot while the instance starts to stop.
  let arrived!: () => void;
  let release!: () => void;
  const waiting = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const follow = app.flags.follow.bind(app.flags);
  app.flags.follow = async (environment) => {
    arrived();
    await gate;
    return follow(environment);
  };
  const answer = fetch(url);
  await waiting;
  const closing = app.close();
  // Past the stream ends of shutdown: the server no longer takes connections.
  await within(10_000, async () => !app.server.listening);
  release();
  const res = await answer;
  t.equal(res.status, 503);
  t.match(await res.json(), { code: 'SHUTTING_DOWN' });
  t.equal(res.headers.get('retry-after'), '1');
  const closed = await Promise.race([
    closing.then(() => true),
    new Promise((resolve) => setTimeout(resolve, 30_000, false).unref()),
  ]);
  t.ok(closed, 'the instance stopped: no stream was left open');
});

t.test('CORS: an allowed origin may open a stream', async (t) => {
  const { app, base } = await listening(t, { CORS_ORIGINS: 'https://app.example.com' });
  const { token } = await mintToken(app, { name: 'web', scope: 'read' });
  const { url } = await bulk(base, token);
  const stream = await openStream(url, { origin: 'https://app.example.com' });
  t.equal(stream.headers['access-control-allow-origin'], 'https://app.example.com');
  stream.close();
  const withPublicUrl = await listening(t, { PUBLIC_URL: 'https://flags.example.com/' });
  const other = await mintToken(withPublicUrl.app, { name: 'web', scope: 'read' });
  const named = await bulk(withPublicUrl.base, other.token);
  t.match(
    named.url,
    /^https:\/\/flags\.example\.com\/ofrep\/v1\/events\?ticket=/,
    'PUBLIC_URL names the host',
  );
});

t.test(
  'two instances: a change on one reaches the streams of the other; a refetch waits for it',
  async (t) => {
    const redis = await findRedis();
    const env: Record<string, string> = { L1_TTL_MS: '60000' };
    if (redis) Object.assign(env, { REDIS_URL: redis, REDIS_KEY_PREFIX: testPrefix(t, redis) });
    const a = await listening(t, env);
    if (a.db.kind !== 'postgresql') {
      t.comment('skipped: two instances need PostgreSQL');
      return;
    }
    const b = await listening(t, env, a.db);
    await createFlag(a.app, { key: 'banner' });
    const { token } = await mintToken(a.app, { name: 'web', scope: 'read' });
    const onB = await bulk(b.base, token);
    t.equal(onB.status, 200);
    const stream = await openStream(onB.url);
    if (redis) {
      const started = performance.now();
      await flip(a.app, 'banner', true);
      const event = await stream.next();
      t.comment(`a change on A reached a stream on B in ${(performance.now() - started).toFixed(1)} ms`);
      t.match(JSON.parse(event.data!), { type: 'refetchEvaluation' });
    }
    // Without a message (Redis off for this one), B has not heard of the next change when asked.
    const quiet = await listening(t, { L1_TTL_MS: '60000' }, a.db);
    const before = await bulk(quiet.base, token);
    const flipped = await flip(a.app, 'banner', false);
    t.equal(flipped.statusCode, 200);
    const revision = (await a.app.inject({ url: '/api/config/flags', headers: admin })).json()
      .revision as number;
    const stale = await bulk(quiet.base, token);
    t.same(stale.body.flags, before.body.flags, 'an instance that has not heard answers what it holds');
    const fresh = await bulk(
      quiet.base,
      token,
      `?flagConfigEtag=${encodeURIComponent(`"development-${revision}"`)}`,
    );
    t.match(
      fresh.body.flags,
      [{ key: 'banner', reason: 'DISABLED' }],
      'a refetch naming the revision gets it',
    );
    stream.close();
  },
);

t.test(
  "the admin stream's events say what changed; a batch, a catch-up or a reconnect: anything (null)",
  async (t) => {
    const { app, base } = await listening(t);
    await createFlag(app, { key: 'banner' });
    const { token } = await mintToken(app, { name: 'web', scope: 'read' });
    const ofrep = await openStream((await bulk(base, token)).url);
    const stream = await openStream(`${base}/api/admin/events?environment=development`, admin);
    t.equal(stream.status, 200);

    await flip(app, 'banner', true);
    const flagEvent = JSON.parse((await stream.next(10_000, 0)).data!);
    t.match(flagEvent, { type: 'refetchEvaluation', etag: /^"development-\d+"$/, lastModified: Number });
    t.same(flagEvent.changes, [{ kind: 'flag', key: 'banner' }], 'a flag change names the flag');
    const ofrepEvent = JSON.parse((await ofrep.next(10_000, 0)).data!);
    t.same(Object.keys(ofrepEvent).sort(), ['etag', 'lastModified', 'type'], 'the OFREP frame is as it was');
    t.equal(ofrepEvent.etag, flagEvent.etag, 'the same revision on both');

    await createSegment(app, { key: 'beta', conditions: [] });
    t.same(JSON.parse((await stream.next(10_000, 1)).data!).changes, [{ kind: 'segment', key: 'beta' }]);

    const imported = await app.inject({
      method: 'POST',
      url: '/api/admin/flagd/import?environment=development',
      headers: admin,
      payload: {
        flags: {
          'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
          'new-search': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
        },
      },
    });
    t.equal(imported.statusCode, 200, imported.body);
    const batch = await stream.next(10_000, 2);
    t.equal(batch.id, String(imported.json().revision));
    t.equal(JSON.parse(batch.data!).changes, null, 'an import: anything may have changed');

    const behind = await openStream(`${base}/api/admin/events?environment=development`, {
      ...admin,
      'last-event-id': String(Number(batch.id) - 2),
    });
    const caughtUp = await behind.next(10_000, 0);
    t.equal(caughtUp.id, batch.id);
    t.equal(JSON.parse(caughtUp.data!).changes, null, 'a reconnect behind: anything may have changed');

    for (const open of [stream, behind, ofrep]) open.close();
  },
);
