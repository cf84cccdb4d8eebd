// flagd benchmark, two parts against one server process (PostgreSQL, Redis, production defaults):
// 1. One evaluation of the ten-rule flag in process, by the real flagd provider synced from
//    Flagstone, against the same evaluation over OFREP by the OFREP provider: p50 and p99 per
//    evaluation, each call timed on its own, asked of each provider and through the SDK's client.
// 2. 1,000 sync streams (gRPC clients with a connection each, as 1,000 providers would have) and
//    one change: the time from sending the change to each client holding a document with the
//    new value (it parses every document, as a provider does), and the server's resident memory
//    per 1,000 streams; the same clients against a bare grpc-js server pushing the same document
//    (bare-sync-server.ts), in the same run.
// Loopback only.   node service/bench/flagd.ts   (make bench runs it; BENCH_SYNC_STREAMS=1000)
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import { createTestDatabase } from '../test/helpers/database.ts';
import { findRedis } from '../test/helpers/redis.ts';
import { OFREP_CONTEXT, tenRules } from './fixtures.ts';
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

const STREAMS = Number(process.env.BENCH_SYNC_STREAMS ?? 1000);
const IN_PROCESS_CALLS = 200_000;
const OFREP_CALLS = 3_000;
const BATCH = 100;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefgh';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const HEAP_MB = 256;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Times each of `calls` calls of `evaluate` on its own, after a warm-up; microseconds, sorted. */
async function timeEach(calls: number, evaluate: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(calls, 20_000); i++) await evaluate();
  const times = new Array<number>(calls);
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    await evaluate();
    times[i] = Number(process.hrtime.bigint() - started) / 1000;
  }
  return times.sort((a, b) => a - b);
}

const LOGGER = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * The same flag and context, each provider asked directly (its resolve method: the provider's own
 * cost) and through the OpenFeature SDK's client (what an application call costs, the SDK's work
 * included). Microseconds per call, sorted.
 */
async function evaluations(base: string, syncPort: number, token: string) {
  const flagd = new FlagdProvider({
    resolverType: 'in-process',
    host: '127.0.0.1',
    port: syncPort,
    selector: 'development',
  });
  const ofrep = new OFREPProvider({ baseUrl: base, headers: [['Authorization', `Bearer ${token}`]] });
  await OpenFeature.setProviderAndWait('in-process', flagd);
  await OpenFeature.setProviderAndWait('ofrep', ofrep);
  const inProcess = OpenFeature.getClient('in-process');
  const remote = OpenFeature.getClient('ofrep');
  const local = await inProcess.getStringDetails('ten-rules', 'none', OFREP_CONTEXT);
  const answer = await remote.getStringDetails('ten-rules', 'none', OFREP_CONTEXT);
  if (local.value !== answer.value || local.variant !== answer.variant || local.value === 'none') {
    throw new Error(`the two providers disagree: ${JSON.stringify(local)} vs ${JSON.stringify(answer)}`);
  }
  const times = {
    flagd: await timeEach(IN_PROCESS_CALLS, async () =>
      flagd.resolveStringEvaluation('ten-rules', 'none', OFREP_CONTEXT, LOGGER),
    ),
    ofrep: await timeEach(OFREP_CALLS, () =>
      ofrep.resolveStringEvaluation('ten-rules', 'none', OFREP_CONTEXT),
    ),
    flagdClient: await timeEach(IN_PROCESS_CALLS, () =>
      inProcess.getStringValue('ten-rules', 'none', OFREP_CONTEXT),
    ),
    ofrepClient: await timeEach(OFREP_CALLS, () => remote.getStringValue('ten-rules', 'none', OFREP_CONTEXT)),
  };
  await OpenFeature.close();
  return times;
}

const definition = protoLoader.loadSync(here('../proto/flagd/sync/v1/sync.proto'), { defaults: true });
const { FlagSyncService } = (
  grpc.loadPackageDefinition(definition) as unknown as {
    flagd: { sync: { v1: { FlagSyncService: grpc.ServiceClientConstructor } } };
  }
).flagd.sync.v1;

interface SyncClient {
  client: grpc.Client;
  call: grpc.ClientReadableStream<{ flagConfiguration: string }>;
  /** When a document with the new value arrived (performance.now()), once one has. */
  changed?: number;
}

/** Opens a SyncFlags stream on a connection of its own; resolves with its first document. */
function openStream(port: number, changedWhen: (document: { flags: Record<string, unknown> }) => boolean) {
  return new Promise<SyncClient>((resolve, reject) => {
    // A local subchannel pool: a connection per client, as each provider process would have.
    const client = new FlagSyncService(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const metadata = new grpc.Metadata();
    metadata.set('flagd-selector', 'development');
    const call = (client as unknown as Record<string, (r: object, m: grpc.Metadata) => SyncClient['call']>)
      .SyncFlags!({}, metadata);
    const stream: SyncClient = { client, call };
    let first = true;
    call.on('data', ({ flagConfiguration }) => {
      const document = JSON.parse(flagConfiguration);
      if (first) {
        first = false;
        resolve(stream);
      } else if (stream.changed === undefined && changedWhen(document)) {
        stream.changed = performance.now();
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (first) reject(err);
    });
  });
}

interface Measured {
  times: number[];
  rssPerThousand: number;
  rss: [number, number];
}

async function streams(server: Server, port: number, change: () => Promise<void>): Promise<Measured> {
  const clients: SyncClient[] = [];
  const isOn = (document: { flags: Record<string, unknown> }) =>
    (document.flags.live as { state?: string } | undefined)?.state === 'ENABLED';
  try {
    const before = rssMb(server.child);
    while (clients.length < STREAMS) {
      const batch = Math.min(BATCH, STREAMS - clients.length);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => openStream(port, isOn)))));
    }
    await sleep(2000);
    const open = rssMb(server.child);
    const sent = performance.now();
    await change();
    const deadline = Date.now() + 30_000;
    while (clients.some((c) => c.changed === undefined) && Date.now() < deadline) await sleep(10);
    const times = clients
      .flatMap((c) => (c.changed === undefined ? [] : [c.changed - sent]))
      .sort((a, b) => a - b);
    return { times, rss: [before, open], rssPerThousand: ((open - before) * 1000) / STREAMS };
  } finally {
    for (const { call, client } of clients) {
      call.cancel();
      client.close();
    }
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
    const syncPort = await freePort();
    const s = await startServer(
      here('../src/server.ts'),
      {
        DATABASE_URL: database.env.DATABASE_URL!,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `flagstone-flagd:${process.pid}:`,
        ADMIN_TOKEN,
        SYNC_PORT: String(syncPort),
        SYNC_OPEN_ENVIRONMENTS: 'development',
        RATE_LIMIT_EVALUATIONS_PER_MINUTE: '1000000000',
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
    await call('/api/admin/flags', tenRules());
    await call('/api/admin/flags', { key: 'live' });
    const { token } = (await call('/api/admin/tokens', { name: 'flagd-bench', scope: 'read' })) as {
      token: string;
    };

    const evaluated = await evaluations(s.base, syncPort, token);

    // The bare server pushes Flagstone's own document, with the change made by hand.
    const document = JSON.parse(
      await (await fetch(`${s.base}/api/config/flagd?environment=development`, { headers: admin })).text(),
    );
    const file = join(tmpdir(), `flagstone-bench-flagd-${process.pid}.json`);
    await writeFile(file, JSON.stringify(document));
    document.flags.live.state = 'ENABLED';
    const changed = JSON.stringify(document);
    const bareSync = await freePort();
    const bare = await startServer(
      here('./bare-sync-server.ts'),
      { SYNC_PORT: String(bareSync), BARE_DOCUMENT: file, NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
      SERVER_CORE,
    );
    servers.push(bare);
    const floor = await streams(bare, bareSync, async () => {
      await fetch(`${bare.base}/broadcast`, { method: 'POST', body: changed });
    });
    bare.child.kill('SIGTERM');
    const ours = await streams(s, syncPort, async () => {
      await call('/api/admin/flags/live?environment=development', { enabled: true }, 'PATCH');
    });

    const us = (times: number[], p: number) => percentile(times, p);
    const p50 = us(evaluated.flagd, 0.5);
    const speedup = us(evaluated.ofrep, 0.5) / p50;
    const evaluation = (name: string, times: number[], digits: number, target = '') =>
      `| ${name} | ${us(times, 0.5).toFixed(digits)} | ${us(times, 0.99).toFixed(digits)} | ${target} |`;
    const ms = (m: Measured, p: number) => percentile(m.times, p);
    const row = (name: string, of: (m: Measured) => number, digits: number, target = '') =>
      `| ${name} | ${of(ours).toFixed(digits)} | ${of(floor).toFixed(digits)} | ${(of(ours) / of(floor)).toFixed(2)} | ${target} |`;
    const ratio = (of: (m: Measured) => number) => of(ours) / of(floor);
    const p99 = ms(ours, 0.99);
    const table = [
      `flagd in-process evaluation and sync streams against one server process with PostgreSQL and Redis (${process.version}); clients on the same machine${PIN ? `, servers pinned to core ${SERVER_CORE}, clients to the other${CORES > 2 ? 's' : ''}` : ', sharing its cores'}.`,
      '',
      `The ten-rule flag (a split decides), one context, ${IN_PROCESS_CALLS.toLocaleString('en')} calls in process (@openfeature/flagd-provider, synced from Flagstone), ${OFREP_CALLS.toLocaleString('en')} over OFREP (@openfeature/ofrep-provider, keep-alive), each call timed on its own: asked of the provider (its resolve method, the target's measure), and through the OpenFeature server SDK's client, whose own work (hooks, context merging, evaluation details) is the same for both.`,
      '',
      '| evaluation | p50 µs | p99 µs | target |',
      '| --- | ---: | ---: | --- |',
      evaluation(
        'in process: the flagd provider',
        evaluated.flagd,
        1,
        `p50 ≤ 5: ${p50 <= 5 ? 'met' : 'missed'}`,
      ),
      evaluation('OFREP: the OFREP provider', evaluated.ofrep, 0),
      `| OFREP ÷ in process, p50 | ${speedup.toFixed(0)}× | | ≥ 100×: ${speedup >= 100 ? 'met' : 'missed'} |`,
      evaluation('in process, through the SDK client', evaluated.flagdClient, 1),
      evaluation('OFREP, through the SDK client', evaluated.ofrepClient, 0),
      '',
      `${STREAMS.toLocaleString('en')} SyncFlags streams, each on its own connection, opened ${BATCH} at a time, then one change. Times run from sending the change (Flagstone: the PATCH, through its database commit; bare: the POST of the new document) to each client holding a parsed document with the new value. The floor is a bare grpc-js server pushing the same document to the same clients (service/bench/bare-sync-server.ts).`,
      '',
      '| measurement | Flagstone | bare grpc-js | × bare | target |',
      '| --- | ---: | ---: | ---: | --- |',
      `| clients told of the change | ${ours.times.length} | ${floor.times.length} | | all: ${ours.times.length === STREAMS ? 'met' : 'missed'} |`,
      row('ms to the new value, p50', (m) => ms(m, 0.5), 0),
      row(
        'ms to the new value, p99',
        (m) => ms(m, 0.99),
        0,
        `≤ 250: ${p99 <= 250 ? 'met' : 'missed'}; ≤ 1.2× bare: ${ratio((m) => ms(m, 0.99)) <= 1.2 ? 'met' : 'missed'}`,
      ),
      row('ms to the last client', (m) => m.times.at(-1) ?? Number.NaN, 0),
      row(
        'RSS MB per 1,000 streams',
        (m) => m.rssPerThousand,
        1,
        `≤ 1.2× bare: ${ratio((m) => m.rssPerThousand) <= 1.2 ? 'met' : 'missed'}`,
      ),
      `| RSS MB before → with the streams | ${ours.rss.join(' → ')} | ${floor.rss.join(' → ')} | | |`,
    ].join('\n');
    await publish('flagd', table);
  } finally {
    await stopAll(servers, database);
  }
}

await main();
