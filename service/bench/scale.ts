// Scale benchmark: what grows with the number of flags. Environments of 100, 1,000 and 10,000
// flags (two rules each; in the largest, 5,000 of them use one segment) are seeded straight into
// PostgreSQL, then one real server process (PostgreSQL and Redis, production defaults) is
// measured: write latency per environment size, a change of the segment 5,000 flags use, the
// list and the bulk evaluation at 10,000, resident memory under read load, the time to ready
// with the largest environment warm, and the database queries that 2,000 distinct missing keys
// and 2,000 distinct unknown tokens cause. Ratios are against the 100-flag environment, in the
// same run. Needs PostgreSQL and Redis.   node service/bench/scale.ts   (make bench runs it)
import autocannon from 'autocannon';
import pg from 'pg';
import { createTestDatabase } from '../test/helpers/database.ts';
import { findRedis } from '../test/helpers/redis.ts';
import { here, publish, rssMb, type Server, startServer, stopAll } from './servers.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefgh';
const SIZES = [100, 1000, 10_000];
const LARGEST = SIZES.at(-1)!;
const SEGMENT_USERS = 5000;
const WRITES = Number(process.env.BENCH_WRITES ?? 200);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const envOf = (size: number) => `scale-${size}`;
const HEAP_MB = 256;

/** Seeds `size` flags with two rules each in a new environment; in the largest, the first 5,000 use segment `beta`. */
async function seed(client: pg.Client, size: number) {
  const environment = envOf(size);
  await client.query('INSERT INTO environments (key, revision) VALUES ($1, 1)', [environment]);
  await client.query(
    `INSERT INTO segments (id, environment_key, key, conditions, updated_at)
     VALUES (gen_random_uuid(), $1, 'beta', '[{"attribute":"plan","operator":"equals","value":"beta"}]', now())`,
    [environment],
  );
  const plain = '{"conditions":[{"attribute":"country","operator":"in","value":["NL","BE"]}],"variant":"on"}';
  const bySegment = '{"segments":["beta"],"variant":"on"}';
  const split = '{"split":[{"variant":"on","weight":5000},{"variant":"off","weight":5000}]}';
  await client.query(
    `INSERT INTO flags (id, environment_key, key, enabled, type, default_value, default_variant, off_variant, variants, rules, updated_at)
     SELECT gen_random_uuid(), $1, 'flag-' || i, true, 'boolean', 'false', 'off', 'off', '{"on":true,"off":false}',
            ('[' || CASE WHEN i <= $3 THEN $4 ELSE $5 END || ',' || $6 || ']')::jsonb, now()
     FROM generate_series(1, $2) AS i`,
    [environment, size, size === LARGEST ? SEGMENT_USERS : 0, bySegment, plain, split],
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const summary = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
};

async function timed(server: Server, path: string, init: RequestInit, expect: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.base}${path}`, init);
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== expect) throw new Error(`${path}: ${res.status}, expected ${expect}`);
  return ms;
}

/** The database calls the server has made: its own histogram of store operations. */
async function queries(server: Server): Promise<number> {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  return [...text.matchAll(/^flagstone_db_query_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

/** Sends `paths` with `headers`, 20 at a time. */
async function burst(server: Server, paths: string[], headers: Record<string, string>) {
  for (let i = 0; i < paths.length; i += 20) {
    await Promise.all(
      paths
        .slice(i, i + 20)
        .map(async (path) => (await fetch(`${server.base}${path}`, { headers })).arrayBuffer()),
    );
  }
}

async function main() {
  const redisUrl = await findRedis();
  const database = await createTestDatabase();
  if (!redisUrl || database.kind !== 'postgresql')
    throw new Error('the benchmark needs PostgreSQL and Redis');
  const client = new pg.Client({ connectionString: database.env.DATABASE_URL! });
  await client.connect();
  let server: Server | undefined;
  try {
    for (const size of SIZES) await seed(client, size);
    server = await startServer(here('../src/server.ts'), {
      DATABASE_URL: database.env.DATABASE_URL!,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `flagstone-scale:${process.pid}:`,
      ADMIN_TOKEN,
      WARM_ENVIRONMENTS: envOf(LARGEST),
      RATE_LIMIT_ADMIN_PER_MINUTE: '0',
      RATE_LIMIT_EVALUATIONS_PER_MINUTE: '0',
      // The heap V8 gives itself in the stacks' 1 GiB Fargate task (a quarter of the memory it
      // sees); on this machine's 24 GiB it would grow lazily far past what the service keeps.
      NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
    });
    const s = server;
    const rssAtReady = rssMb(s.child);
    /** The server's heap in use, in MB, from its own metrics; reported on stderr with `when`. */
    const heapAt = async (when: string) => {
      const text = await (await fetch(`${s.base}/metrics`)).text();
      const mb = (name: string) =>
        Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20);
      const used = mb('nodejs_heap_size_used_bytes');
      process.stderr.write(
        `${when}: heap used ${used} MB of ${mb('nodejs_heap_size_total_bytes')} MB, RSS ${rssMb(s.child)} MB\n`,
      );
      return used;
    };
    await heapAt('at ready');

    // Resident memory under read load, with the largest environment warm (the others not loaded yet).
    const { token } = (await (
      await fetch(`${s.base}/api/admin/tokens`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'scale', scope: 'read' }),
      })
    ).json()) as { token: string };
    const reader = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await autocannon({
      url: `${s.base}/api/config/flags/flag-42?environment=${envOf(LARGEST)}`,
      headers: reader,
      connections: 20,
      duration: 5,
    });
    const rssUnderReads = rssMb(s.child);
    const heapUnderReads = await heapAt('after 5 s of reads');
    const rows: string[] = [];
    const row = (...cells: (string | number)[]) => rows.push(`| ${cells.join(' | ')} |`);

    // Writes: PATCHes of distinct flags, one at a time, in each environment.
    const writes = new Map<number, { p50: number; p99: number }>();
    for (const size of SIZES) {
      const environment = envOf(size);
      await timed(s, `/api/config/flags?environment=${environment}`, { headers: admin }, 200); // loads the snapshot
      const times: number[] = [];
      for (let i = 0; i < WRITES; i++) {
        const key = `flag-${(i % size) + 1}`;
        times.push(
          await timed(
            s,
            `/api/admin/flags/${key}?environment=${environment}`,
            { method: 'PATCH', headers: admin, body: JSON.stringify({ description: `write ${i}` }) },
            200,
          ),
        );
      }
      writes.set(size, summary(times));
    }
    const base = writes.get(SIZES[0]!)!;
    for (const size of SIZES) {
      const { p50, p99 } = writes.get(size)!;
      const target = size === LARGEST ? ` (target ≤ 1.3: ${p50 / base.p50 <= 1.3 ? 'met' : 'missed'})` : '';
      row(
        `flag write (PATCH), ${size.toLocaleString('en')} flags`,
        p50.toFixed(1),
        p99.toFixed(1),
        `${(p50 / base.p50).toFixed(2)}${target}`,
      );
    }

    await heapAt('after writes');
    // A segment change: 5,000 flags use it.
    const segmentTimes: number[] = [];
    for (let i = 0; i < WRITES / 2; i++) {
      segmentTimes.push(
        await timed(
          s,
          `/api/admin/segments/beta?environment=${envOf(LARGEST)}`,
          {
            method: 'PATCH',
            headers: admin,
            body: JSON.stringify({
              conditions: [{ attribute: 'plan', operator: 'equals', value: `beta-${i}` }],
            }),
          },
          200,
        ),
      );
    }
    const segment = summary(segmentTimes);
    const flagWrite = writes.get(LARGEST)!;
    row(
      `segment change, used by ${SEGMENT_USERS.toLocaleString('en')} flags`,
      segment.p50.toFixed(1),
      segment.p99.toFixed(1),
      `${(segment.p50 / flagWrite.p50).toFixed(2)} of a flag write (target ≤ 2: ${segment.p50 / flagWrite.p50 <= 2 ? 'met' : 'missed'})`,
    );

    // The list and the bulk evaluation at 10,000 flags.
    const listTimes: number[] = [];
    const bulkTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      listTimes.push(
        await timed(s, `/api/config/flags?environment=${envOf(LARGEST)}`, { headers: reader }, 200),
      );
      bulkTimes.push(
        await timed(
          s,
          `/ofrep/v1/evaluate/flags?environment=${envOf(LARGEST)}`,
          {
            method: 'POST',
            headers: reader,
            body: JSON.stringify({ context: { targetingKey: `user-${i}`, plan: 'beta', country: 'NL' } }),
          },
          200,
        ),
      );
    }
    const list = summary(listTimes);
    const bulk = summary(bulkTimes);
    row(`list, ${LARGEST.toLocaleString('en')} flags`, list.p50.toFixed(1), list.p99.toFixed(1), '');
    row(
      `bulk evaluation, ${LARGEST.toLocaleString('en')} flags`,
      bulk.p50.toFixed(1),
      bulk.p99.toFixed(1),
      '',
    );

    await heapAt('after lists and bulk evaluations');
    const rssAfterAll = rssMb(s.child);
    const heapAfterAll = await heapAt('after everything');

    // What does not exist costs no query.
    const before = await queries(s);
    await burst(
      s,
      Array.from({ length: 2000 }, (_, i) => `/api/config/flags/missing-${i}?environment=${envOf(LARGEST)}`),
      reader,
    );
    const afterMissing = await queries(s);
    await Promise.all(
      Array.from({ length: 100 }, async (_, batch) => {
        for (let i = 0; i < 20; i++) {
          await (
            await fetch(`${s.base}/api/config/flags/flag-1?environment=${envOf(LARGEST)}`, {
              headers: { authorization: `Bearer fs_unknown-${batch}-${i}` },
            })
          ).arrayBuffer();
        }
      }),
    );
    const afterTokens = await queries(s);
    // Polls of the change log run meanwhile, once a second: subtract nothing, they count too.
    const missingQueries = afterMissing - before;
    const tokenQueries = afterTokens - afterMissing;

    const table = [
      `Scale benchmark: one server process on PostgreSQL and Redis (${process.version}), environments seeded with 100, 1,000 and 10,000 flags of two rules each; ${WRITES} writes per size, one at a time.`,
      '',
      '| measurement | p50 ms | p99 ms | ratio |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
      '',
      '| measurement | value | target |',
      '| --- | ---: | --- |',
      `| time to ready, ${LARGEST.toLocaleString('en')} flags warm | ${(s.readyMs / 1000).toFixed(2)} s | ≤ 3 s: ${s.readyMs <= 3000 ? 'met' : 'missed'} |`,
      `| RSS at ready, ${LARGEST.toLocaleString('en')} flags warm | ${rssAtReady} MB | |`,
      `| RSS under read load (5 s, 20 connections), ${LARGEST.toLocaleString('en')} flags | ${rssUnderReads} MB (heap in use ${heapUnderReads} MB, limit ${HEAP_MB} MB) | ≤ 300 MB: ${rssUnderReads <= 300 ? 'met' : 'missed'} |`,
      `| RSS after all of the above, ${SIZES.map((n) => n.toLocaleString('en')).join(' + ')} flags held | ${rssAfterAll} MB (heap in use ${heapAfterAll} MB) | |`,
      `| database queries for 2,000 distinct missing keys | ${missingQueries} (${((100 * missingQueries) / 2000).toFixed(2)} %) | ≤ 1 %: ${missingQueries <= 20 ? 'met' : 'missed'} |`,
      `| database queries for 2,000 distinct unknown tokens | ${tokenQueries} (${((100 * tokenQueries) / 2000).toFixed(2)} %) | ≤ 1 %: ${tokenQueries <= 20 ? 'met' : 'missed'} |`,
      '',
      'Database queries are counted by the server itself (its store calls); the once-a-second poll of the change log runs meanwhile and is included.',
    ].join('\n');
    await publish('scale', table);
  } finally {
    await client.end();
    await stopAll([server], database);
  }
}

await main();
