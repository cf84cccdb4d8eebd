// Who may hold the event streams of an instance, over real HTTP: one client address holds at most
// MAX_EVENT_STREAMS_PER_CLIENT of each kind (the address its trusted proxy names, never one the
// client claims), and the admin API's streams keep a reserve OFREP streams cannot take.
import t, { type Test } from 'tap';
import { admin, bearer, buildListeningApp, mintToken } from '../helpers/app.ts';
import { type OpenStream, openStream } from '../helpers/sse.ts';

const SIGNING = { EVENTS_SIGNING_KEY: 'test-signing-key-0123456789abcdef0123' };

async function listening(t: Test, env: Record<string, string>) {
  const built = await buildListeningApp(t, { env: { ...SIGNING, ...env } });
  const { token } = await mintToken(built.app, { name: 'web', scope: 'read' });
  const res = await fetch(`${built.base}/ofrep/v1/evaluate/flags`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: '{"context":{}}',
  });
  const { eventStreams } = (await res.json()) as { eventStreams: { url: string }[] };
  const opened: OpenStream[] = [];
  t.teardown(() => {
    for (const stream of opened) stream.close();
  });
  /** Opens a stream as the client `forwardedFor` names (the X-Forwarded-For a proxy sends). */
  const open = async (url: string, forwardedFor: string, headers: Record<string, string> = {}) => {
    const stream = await openStream(url, { 'x-forwarded-for': forwardedFor, ...headers });
    opened.push(stream);
    return stream;
  };
  /** A stream request that is expected to be refused: its status, Retry-After and body (none if it opened). */
  const refused = async (url: string, forwardedFor: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers: { 'x-forwarded-for': forwardedFor, ...headers } });
    const body = res.ok ? await res.body?.cancel() : await res.json();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
  };
  const refusals = async () => (await built.app.inject({ url: '/metrics' })).body;
  return {
    ...built,
    ofrep: eventStreams[0]!.url,
    adminEvents: `${built.base}/api/admin/events`,
    open,
    refused,
    refusals,
  };
}

t.test(
  'one client address filling its streams does not stop another; the address is the one the trusted proxy appended',
  async (t) => {
    const { ofrep, adminEvents, open, refused, refusals } = await listening(t, {
      TRUSTED_PROXY_HOPS: '1',
      MAX_EVENT_STREAMS_PER_CLIENT: '2',
    });
    for (let i = 0; i < 2; i += 1) t.equal((await open(ofrep, '203.0.113.1')).status, 200);
    t.match(await refused(ofrep, '203.0.113.1'), {
      status: 429,
      retryAfter: '5',
      body: {
        code: 'TOO_MANY_EVENT_STREAMS',
        message:
          /already holds 2 event streams .*\(MAX_EVENT_STREAMS_PER_CLIENT\)\. Close the streams it no longer follows/,
      },
    });
    t.match(
      await refused(ofrep, '198.51.100.7, 203.0.113.1'),
      { status: 429 },
      'an address the client puts in front of the one its proxy appended is ignored',
    );
    t.equal((await open(ofrep, '203.0.113.2')).status, 200, 'another address opens its stream');
    t.equal(
      (await open(adminEvents, '203.0.113.1', admin)).status,
      200,
      "the address's admin streams are counted apart from its OFREP streams",
    );
    t.match(await refusals(), /^flagstone_event_streams_refused_total\{reason="client"\} 2$/m);
  },
);

t.test('with no trusted proxy, X-Forwarded-For is ignored: every stream is the peer address', async (t) => {
  const { ofrep, open, refused } = await listening(t, { MAX_EVENT_STREAMS_PER_CLIENT: '2' });
  t.equal((await open(ofrep, '203.0.113.1')).status, 200);
  t.equal((await open(ofrep, '203.0.113.2')).status, 200);
  t.match(await refused(ofrep, '203.0.113.3'), { status: 429, body: { code: 'TOO_MANY_EVENT_STREAMS' } });
});

t.test('the admin API still opens its stream when OFREP streams hold MAX_EVENT_STREAMS', async (t) => {
  const { ofrep, adminEvents, open, refused, refusals } = await listening(t, {
    TRUSTED_PROXY_HOPS: '1',
    MAX_EVENT_STREAMS: '3',
    EVENT_STREAMS_ADMIN_RESERVE: '1',
    MAX_EVENT_STREAMS_PER_CLIENT: '1',
  });
  for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
    t.equal((await open(ofrep, address)).status, 200);
  t.match(await refused(ofrep, '203.0.113.4'), {
    status: 503,
    retryAfter: '5',
    body: { code: 'EVENT_STREAMS_FULL', message: /its 3 event streams \(MAX_EVENT_STREAMS\)/ },
  });
  const stream = await open(adminEvents, '203.0.113.4', admin);
  t.equal(stream.status, 200, 'the admin stream takes the reserve');
  t.match(await refused(adminEvents, '203.0.113.5', admin), {
    status: 503,
    body: {
      code: 'EVENT_STREAMS_FULL',
      message: /its 4 event streams \(MAX_EVENT_STREAMS plus EVENT_STREAMS_ADMIN_RESERVE\)/,
    },
  });
  t.match(await refusals(), /^flagstone_event_streams_refused_total\{reason="instance"\} 2$/m);
});
