// Event-stream benchmark: 10,000 streams open on one server process (PostgreSQL and Redis,
// production defaults), one flag change, and the time from sending that change to each stream's
// event: p50, p99 and the last, and the server's resident memory per 1,000 open streams. The
// clients are raw loopback sockets in this process, opened in batches; nothing leaves the
// machine. Needs PostgreSQL and Redis.   node service/bench/streams.ts   (make bench runs it)
import { connect, type Socket } from 'node:net';
import { createTestDatabase } from '../test/helpers/database.ts';
import { findRedis } from '../test/helpers/redis.ts';
import {
  CORES,
  here,
  PIN,
  pinLoadGenerator,
  publish,
  rssMb,
  SERVER_CORE,
  type Server,
  startServer,
  stopAll,
} from './servers.ts';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const BATCH = 250;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefgh';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const HEAP_MB = 256;

interface Client {
  socket: Socket;
  /** When the stream's first event arrived (performance.now()), once it has. */
  evented?: number;
}

const EVENT = Buffer.from('event: message');

/** One read buffer for every client socket: reads are handled at once, never kept. */
const READ_BUFFER = Buffer.alloc(16 * 1024);
const OK = Buffer.from('HTTP/1.1 200');

/**
 * Opens one stream over a raw socket; resolves once its head arrived. Reads go through `onread`
 * into one shared buffer, with no stream machinery: the client should cost far less than the server.
 */
function openStream(port: number, path: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    let opened = false;
    const client: Client = {
      socket: connect({
        port,
        host: '127.0.0.1',
        onread: {
          buffer: READ_BUFFER,
          callback(length) {
            const chunk = READ_BUFFER.subarray(0, length);
            if (!opened) {
              if (!chunk.subarray(0, OK.length).equals(OK)) {
                reject(new Error(`stream refused: ${chunk.toString().split('\r\n')[0]}`));
                return false;
              }
              opened = true;
              resolve(client);
            }
            if (client.evented === undefined && chunk.includes(EVENT)) client.evented = performance.now();
            return true;
          },
        },
      }),
    };
    client.socket.on('error', reject);
    client.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
    );
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

interface Measured {
  open: number;
  openMs: number;
  rssPerThousand: number;
  rss: [number, number];
  times: number[];
}

/** Opens STREAMS streams at `url` on `server`, then `change()`s and times each stream's event. */
async function measure(
  server: Server,
  url: URL,
  change: () => Promise<void>,
  opened: () => Promise<number>,
): Promise<Measured> {
  const clients: Client[] = [];
  try {
    const rssBefore = rssMb(server.child);
    const started = performance.now();
    while (clients.length < STREAMS) {
      const batch = Math.min(BATCH, STREAMS - clients.length);
      const path = url.pathname + url.search;
      clients.push(
        ...(await Promise.all(Array.from({ length: batch }, () => openStream(Number(url.port), path)))),
      );
    }
    const openMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 2000));
    const rssOpen = rssMb(server.child);
    const open = await opened();
    const sent = performance.now();
    await change();
    const deadline = Date.now() + 30_000;
    while (clients.some((c) => c.evented === undefined) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const times = clients
      .flatMap((c) => (c.evented === undefined ? [] : [c.evented - sent]))
      .sort((a, b) => a - b);
    return {
      open,
      openMs,
      rss: [rssBefore, rssOpen],
      rssPerThousand: ((rssOpen - rssBefore) * 1000) / STREAMS,
      times,
    };
  } finally {
    for (const { socket } of clients) socket.destroy();
  }
}

async function main() {
  pinLoadGenerator();
  const redisUrl = await findRedis();
  const database = await createTestDatabase();
  if (!redisUrl || database.kind !== 'postgresql')
    throw new Error('the benchmark needs PostgreSQL and Redis');
  const servers: Server[] = [];
  try {
    const bare = await startServer(
      here('./bare-sse-server.ts'),
      { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
      SERVER_CORE,
    );
    servers.push(bare);
    const floor = await measure(
      bare,
      new URL(`${bare.base}/events`),
      async () => void (await fetch(`${bare.base}/broadcast`, { method: 'POST' })),
      async () => STREAMS,
    );
    bare.child.kill('SIGTERM');

    const s = await startServer(
      here('../src/server.ts'),
      {
        DATABASE_URL: database.env.DATABASE_URL!,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `flagstone-streams:${process.pid}:`,
        ADMIN_TOKEN,
        EVENTS_SIGNING_KEY: 'bench-signing-key-0123456789abcdef0123',
        MAX_EVENT_STREAMS: String(STREAMS),
        // Every bench client is on loopback: one address.
        MAX_EVENT_STREAMS_PER_CLIENT: String(STREAMS),
        NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
      },
      SERVER_CORE,
    );
    servers.push(s);
    const call = async (path: string, body: object, method = 'POST') => {
      const res = await fetch(`${s.base}${path}`, { method, headers: admin, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    await call('/api/admin/flags', { key: 'live' });
    const { token } = (await call('/api/admin/tokens', { name: 'streams', scope: 'read' })) as {
      token: string;
    };
    const bulk = (await (
      await fetch(`${s.base}/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"context":{}}',
      })
    ).json()) as { eventStreams: { url: string }[] };
    await new Promise((r) => setTimeout(r, 1000));
    const ours = await measure(
      s,
      new URL(bulk.eventStreams[0]!.url),
      async () => void (await call('/api/admin/flags/live', { enabled: true }, 'PATCH')),
      async () =>
        Number(
          /^flagstone_event_streams (\d+)/m.exec(await (await fetch(`${s.base}/metrics`)).text())?.[1] ?? 0,
        ),
    );

    const serverText = await (await fetch(`${s.base}/metrics`)).text();
    const broadcastMs =
      1000 * Number(/^flagstone_event_broadcast_seconds_sum (\S+)/m.exec(serverText)?.[1] ?? Number.NaN);
    const n = STREAMS.toLocaleString('en');
    const ms = (m: Measured, p: number) => percentile(m.times, p);
    const row = (name: string, of: (m: Measured) => number, digits: number, target = '') =>
      `| ${name} | ${of(ours).toFixed(digits)} | ${of(floor).toFixed(digits)} | ${(of(ours) / of(floor)).toFixed(2)} | ${target} |`;
    const p99 = ms(ours, 0.99);
    const table = [
      `${n} event streams on one server process, one change (${process.version}); clients on the same machine${PIN ? `, servers pinned to core ${SERVER_CORE}, clients to the other${CORES > 2 ? 's' : ''}` : ', sharing its cores'}, opened ${BATCH} at a time. The floor is a bare Node HTTP server holding the same streams (service/bench/bare-sse-server.ts); times run from sending the change (Flagstone: the PATCH, through its database commit) to each stream's event.`,
      '',
      '| measurement | Flagstone | bare Node | × bare | target |',
      '| --- | ---: | ---: | ---: | --- |',
      `| streams open | ${ours.open.toLocaleString('en')} | ${floor.open.toLocaleString('en')} | | |`,
      `| streams told of the change | ${ours.times.length.toLocaleString('en')} | ${floor.times.length.toLocaleString('en')} | | all: ${ours.times.length === STREAMS ? 'met' : 'missed'} |`,
      row('seconds to open them', (m) => m.openMs / 1000, 1),
      `| ms for the server to write the event to every stream (flagstone_event_broadcast_seconds) | ${broadcastMs.toFixed(0)} | | | |`,
      row("ms to a stream's event, p50", (m) => ms(m, 0.5), 0),
      row("ms to a stream's event, p99", (m) => ms(m, 0.99), 0, `≤ 250: ${p99 <= 250 ? 'met' : 'missed'}`),
      row("ms to the last stream's event", (m) => m.times.at(-1) ?? Number.NaN, 0),
      row(
        'RSS MB per 1,000 open streams',
        (m) => m.rssPerThousand,
        1,
        `≤ 10: ${ours.rssPerThousand <= 10 ? 'met' : 'missed'}`,
      ),
      `| RSS MB before → with the streams | ${ours.rss.join(' → ')} | ${floor.rss.join(' → ')} | | |`,
    ].join('\n');
    await publish('streams', table);
  } finally {
    await stopAll(servers, database);
  }
}

await main();
