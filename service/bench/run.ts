// Read-path benchmark: autocannon against separate server processes on loopback. Each
// scenario is measured right after a bare Fastify route (the ceiling) and reported as a ratio
// to that adjacent measurement, so drift in machine load between scenarios does not skew it.
// The service runs with its production defaults: auth, metrics, info logging, rate limits.
// Needs PostgreSQL and Redis.   make bench   (BENCH_SECONDS=8 BENCH_CONNECTIONS=50 BENCH_ROUNDS=3;
// BENCH_ONLY=OFREP runs the scenarios whose name contains it; BENCH_PIN=1 pins, see below).
// Usage counting is measured against the same service with it off (`versus`), in the same run.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = process.env.BENCH_ONLY ?? '';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefgh';

interface Scenario {
  name: string;
  server: Server;
  path: string;
  headers: Record<string, string>;
  expect: number;
  body?: string;
  target?: number;
  /** The bare route to compare with: POST (with the same body) for POST scenarios unless GET is asked. */
  ceiling?: 'GET';
  /** Compare with the same request to this server instead of the bare route. */
  versus?: { name: string; server: Server };
}

const ceilingFor = (bare: Server, s: Scenario): Scenario =>
  s.versus
    ? { ...s, ...s.versus }
    : s.body && s.ceiling !== 'GET'
      ? {
          name: 'bare POST',
          server: bare,
          path: '/bare',
          headers: { 'content-type': 'application/json' },
          expect: 200,
          body: s.body,
        }
      : { name: 'bare GET', server: bare, path: '/bare', headers: {}, expect: 200 };

/** CPU seconds (user and system) the process has used: /proc/<pid>/stat, in clock ticks of 10 ms. */
function cpuSeconds(pid: number | undefined) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function load(s: Pick<Scenario, 'server' | 'path' | 'headers' | 'expect' | 'body'>, seconds: number) {
  const url = `${s.server.base}${s.path}`;
  const cpuBefore = cpuSeconds(s.server.child.pid);
  const result = await autocannon({
    url,
    headers: s.headers,
    connections: CONNECTIONS,
    duration: seconds,
    ...(s.body ? { method: 'POST' as const, body: s.body } : {}),
  });
  const statuses = Object.keys(result.statusCodeStats ?? {});
  if (result.errors > 0 || statuses.some((code) => Number(code) !== s.expect)) {
    throw new Error(`${url}: ${result.errors} errors, statuses ${JSON.stringify(result.statusCodeStats)}`);
  }
  // The server's CPU per answer: steadier than throughput on a shared machine, where the load
  // generator and other processes take turns with the server.
  const cpuUs = ((cpuSeconds(s.server.child.pid) - cpuBefore) * 1e6) / result.requests.total;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  pinLoadGenerator();
  const redisUrl = await findRedis();
  const database = await createTestDatabase();
  if (!redisUrl || database.kind !== 'postgresql')
    throw new Error('the benchmark needs PostgreSQL and Redis');
  const service = here('../src/server.ts');
  const prefix = `flagstone-bench:${process.pid}:`;
  // Production defaults, except a rate limit the load cannot reach: the limiter still counts every request.
  const common = {
    DATABASE_URL: database.env.DATABASE_URL!,
    ADMIN_TOKEN,
    REDIS_KEY_PREFIX: prefix,
    RATE_LIMIT_EVALUATIONS_PER_MINUTE: '1000000000',
  };
  const servers: Server[] = [];
  const launch = async (script: string, env: Record<string, string>) => {
    const server = await startServer(script, env, SERVER_CORE);
    servers.push(server);
    return server;
  };
  try {
    const bare = await launch(here('bare-server.ts'), {});
    const full = await launch(service, { ...common, REDIS_URL: redisUrl });
    const noRedis = await launch(service, common);
    const noLimit = await launch(service, {
      ...common,
      REDIS_URL: redisUrl,
      RATE_LIMIT_EVALUATIONS_PER_MINUTE: '0',
    });
    // The same service without usage counting: what counting every evaluation costs.
    const uncounted = {
      name: 'counting off',
      server: await launch(service, { ...common, REDIS_URL: redisUrl, USAGE_COUNTING: 'false' }),
    };

    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const post = async (path: string, body: object) =>
      (
        await fetch(`${full.base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) })
      ).json();
    await post('/api/admin/flags', {
      key: 'new-checkout',
      type: 'boolean',
      defaultValue: true,
      enabled: true,
    });
    await post('/api/admin/flags', tenRules());
    const { token } = (await post('/api/admin/tokens', { name: 'bench', scope: 'read' })) as {
      token: string;
    };
    const read = { authorization: `Bearer ${token}` };
    const etag = (await fetch(`${full.base}/api/config/flags`, { headers: read })).headers.get('etag')!;
    const flag = '/api/config/flags/new-checkout';
    const ofrep = {
      path: '/ofrep/v1/evaluate/flags/ten-rules',
      headers: { ...read, 'content-type': 'application/json' },
      expect: 200,
      body: JSON.stringify({
        context: OFREP_CONTEXT,
      }),
    };

    const scenarios: Scenario[] = [
      {
        name: 'flag read, in-process hit',
        server: full,
        path: flag,
        headers: read,
        expect: 200,
        target: 0.85,
      },
      {
        name: 'flag read, without Redis',
        server: noRedis,
        path: flag,
        headers: read,
        expect: 200,
        target: 0.85,
      },
      {
        name: 'flag read, unknown key → 404 (no query)',
        server: full,
        path: '/api/config/flags/no-such-flag',
        headers: read,
        expect: 404,
      },
      {
        name: 'list with ETag → 304',
        server: full,
        path: '/api/config/flags',
        headers: { ...read, 'if-none-match': etag },
        expect: 304,
      },
      {
        name: 'OFREP evaluation, 10 rules (vs bare GET)',
        server: full,
        ...ofrep,
        ceiling: 'GET',
        target: 0.7,
      },
      { name: 'OFREP evaluation, 10 rules (vs bare POST)', server: full, ...ofrep, target: 0.7 },
      { name: 'OFREP evaluation, 10 rules, rate limit off (vs bare POST)', server: noLimit, ...ofrep },
      {
        name: 'flag read, usage counted (vs counting off)',
        server: full,
        path: flag,
        headers: read,
        expect: 200,
        target: 0.97,
        versus: uncounted,
      },
      {
        name: 'OFREP evaluation, usage counted (vs counting off)',
        server: full,
        ...ofrep,
        target: 0.97,
        versus: uncounted,
      },
      {
        name: 'OFREP bulk evaluation, usage counted (vs counting off)',
        server: full,
        ...ofrep,
        path: '/ofrep/v1/evaluate/flags',
        target: 0.97,
        versus: uncounted,
      },
    ];
    const rows: string[] = [];
    const cpuRows: string[] = [];
    const bares: number[] = [];
    for (const s of scenarios.filter(({ name }) => name.includes(ONLY))) {
      await load(s, Math.min(2, SECONDS)); // warm-up: JIT, connections, caches
      // Alternate the ceiling and the scenario ROUNDS times; report the round with the median ratio.
      const pairs = [];
      for (let round = 0; round < ROUNDS; round++) {
        const base = await load(ceilingFor(bare, s), SECONDS);
        pairs.push({ base, m: await load(s, SECONDS) });
      }
      if (s.versus) {
        const cpu = median(pairs.map(({ m }) => m.cpuUs));
        const off = median(pairs.map(({ base }) => base.cpuUs));
        cpuRows.push(
          `| ${s.name} | ${cpu.toFixed(1)} | ${off.toFixed(1)} | ${(off / cpu).toFixed(2)} (target ${s.target}: ${off / cpu >= s.target! ? 'met' : 'missed'}) |`,
        );
      }
      pairs.sort((a, b) => a.m.rps / a.base.rps - b.m.rps / b.base.rps);
      const { base, m } = pairs[Math.floor(pairs.length / 2)]!;
      if (!s.versus) bares.push(base.rps);
      const ratio = m.rps / base.rps;
      const verdict =
        s.target === undefined
          ? ''
          : ratio >= s.target
            ? ` (target ${s.target}: met)`
            : ` (target ${s.target}: missed)`;
      rows.push(
        `| ${s.name} | ${Math.round(m.rps)} | ${m.p50} | ${m.p99} | ${Math.round(base.rps)} | ${ratio.toFixed(2)}${verdict} | ${rssMb(s.server.child)} |`,
      );
      process.stderr.write(
        `${s.name}: ${Math.round(m.rps)} req/s, ${ratio.toFixed(2)}× ${s.versus ? s.versus.name : 'the bare route'}\n`,
      );
    }
    const table = [
      `${SECONDS} s per measurement, ${CONNECTIONS} connections, median of ${ROUNDS} alternating rounds against the bare route; load generator and servers on one machine, ${PIN ? `servers pinned to core ${CORES - 1}, load generator to the other${CORES > 2 ? 's' : ''}` : 'sharing its cores'} (${process.version}).`,
      bares.length > 0
        ? `Bare Fastify route (the ceiling): ${Math.round(Math.min(...bares))}–${Math.round(Math.max(...bares))} req/s, RSS ${rssMb(bare.child)} MB.`
        : '',
      'Rows "vs counting off" compare with the same request to a server with USAGE_COUNTING=false (its req/s in the bare column), alternately, not with the bare route.',
      '',
      '| scenario | req/s | p50 ms | p99 ms | bare req/s (same moment) | × bare | RSS MB |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      ...(cpuRows.length > 0
        ? [
            '',
            'Server CPU per answer (µs, median of the rounds): what usage counting adds, steadier than req/s.',
            '',
            '| scenario | µs counted | µs counting off | × (off ÷ counted) |',
            '| --- | ---: | ---: | ---: |',
            ...cpuRows,
          ]
        : []),
    ].join('\n');
    await publish('read-path', table);
  } finally {
    await stopAll(servers, database);
  }
}

await main();
