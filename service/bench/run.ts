// Read-path benchmark: autocannon against separate server processes on loopback, each
// scenario compared with a bare Fastify route measured in the same run. The service runs
// with its production defaults (auth, metrics, info logging). Needs PostgreSQL and Redis.
//   make bench                      BENCH_SECONDS=10 BENCH_CONNECTIONS=50 by default
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { createTestDatabase } from '../test/helpers/database.ts';
import { findRedis } from '../test/helpers/redis.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdefgh';
const here = (file: string) => new URL(file, import.meta.url).pathname;

interface Server {
  base: string;
  child: ChildProcess;
}

async function start(script: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /listening (?:on |at http:\/\/127\.0\.0\.1:)(\d+)/i.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  child.stdout?.resume();
  return { base: `http://127.0.0.1:${port}`, child };
}

const rssMb = (child: ChildProcess) => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  expect: number,
  body?: string,
) {
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: seconds,
    ...(body ? { method: 'POST' as const, body } : {}),
  });
  const unexpected = result.statusCodeStats
    ? Object.keys(result.statusCodeStats).filter((s) => Number(s) !== expect)
    : [];
  if (result.errors > 0 || unexpected.length > 0 || (result.non2xx > 0 && expect < 300)) {
    throw new Error(`${url}: ${result.errors} errors, statuses ${JSON.stringify(result.statusCodeStats)}`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function main() {
  const redisUrl = await findRedis();
  const database = await createTestDatabase();
  if (!redisUrl || database.kind !== 'postgresql')
    throw new Error('the benchmark needs PostgreSQL and Redis');
  const prefix = `flagstone-bench:${process.pid}:`;
  const service = here('../src/server.ts');
  // Production defaults, except a rate limit the load cannot reach: the limiter still counts every request.
  const common = {
    DATABASE_URL: database.env.DATABASE_URL!,
    ADMIN_TOKEN,
    RATE_LIMIT_EVALUATIONS_PER_MINUTE: '1000000000',
  };
  const servers: Server[] = [];
  try {
    const bare = await start(here('bare-server.ts'), {});
    const memory = await start(service, { ...common, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
    const redis = await start(service, {
      ...common,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      L1_TTL_MS: '0',
    });
    const postgres = await start(service, { ...common, L1_TTL_MS: '0' });
    servers.push(bare, memory, redis, postgres);

    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const post = (path: string, body: object) =>
      fetch(`${memory.base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) }).then(
        (r) => r.json(),
      );
    await post('/api/admin/flags', {
      key: 'new-checkout',
      type: 'boolean',
      defaultValue: true,
      enabled: true,
    });
    // Ten rules: nine that do not match this context, each a different operator, then a split.
    const never = (attribute: string, operator: string, value?: unknown) => ({
      conditions: [{ attribute, operator, ...(value === undefined ? {} : { value }) }],
      variant: 'treatment',
    });
    await post('/api/admin/flags', {
      key: 'ten-rules',
      type: 'string',
      enabled: true,
      variants: { treatment: 'green', control: 'blue' },
      defaultVariant: 'control',
      rules: [
        never('country', 'in', ['US', 'CA']),
        never('plan', 'equals', 'enterprise'),
        never('email', 'ends_with', '@example.com'),
        never('appVersion', 'semver_lt', '1.0.0'),
        never('age', 'gte', 65),
        never('beta', 'exists'),
        never('country', 'equals', 'DE'),
        never('plan', 'in', ['pro', 'team']),
        never('appVersion', 'semver_gte', '3.0.0'),
        {
          split: [
            { variant: 'treatment', weight: 5000 },
            { variant: 'control', weight: 5000 },
          ],
        },
      ],
    });
    const evaluation = JSON.stringify({
      context: { targetingKey: 'user-1', country: 'NL', plan: 'free', appVersion: '2.3.4', age: 30 },
    });
    const { token } = (await post('/api/admin/tokens', { name: 'bench', scope: 'read' })) as {
      token: string;
    };
    const read = { authorization: `Bearer ${token}` };
    const etag = (await fetch(`${memory.base}/api/config/flags`, { headers: read })).headers.get('etag')!;

    const scenarios = [
      { name: 'bare Fastify route (ceiling)', server: bare, path: '/bare', headers: {}, expect: 200 },
      {
        name: 'flag read, in-process hit',
        server: memory,
        path: '/api/config/flags/new-checkout',
        headers: read,
        expect: 200,
      },
      {
        name: 'flag read, Redis hit (in-process off)',
        server: redis,
        path: '/api/config/flags/new-checkout',
        headers: read,
        expect: 200,
      },
      {
        name: 'flag read, PostgreSQL (caches off)',
        server: postgres,
        path: '/api/config/flags/new-checkout',
        headers: read,
        expect: 200,
      },
      {
        name: 'list with ETag → 304',
        server: memory,
        path: '/api/config/flags',
        headers: { ...read, 'if-none-match': etag },
        expect: 304,
      },
      {
        name: 'OFREP evaluation, 10 rules (in-process hit)',
        server: memory,
        path: '/ofrep/v1/evaluate/flags/ten-rules',
        headers: { ...read, 'content-type': 'application/json' },
        expect: 200,
        body: evaluation,
      },
    ];
    const rows = [];
    for (const s of scenarios) {
      const url = `${s.server.base}${s.path}`;
      const body = 'body' in s ? String(s.body) : undefined;
      await load(url, s.headers, Math.min(2, SECONDS), s.expect, body); // warm-up: JIT, connections, caches
      const measured = await load(url, s.headers, SECONDS, s.expect, body);
      rows.push({ ...s, ...measured, rss: rssMb(s.server.child) });
      process.stderr.write(`${s.name}: ${Math.round(measured.rps)} req/s\n`);
    }
    const ceiling = rows[0]!.rps;
    const lines = [
      `${SECONDS} s per scenario, ${CONNECTIONS} connections, autocannon and servers on one machine (${process.version}).`,
      '',
      '| scenario | req/s | p50 ms | p99 ms | × bare | RSS MB |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${(r.rps / ceiling).toFixed(2)} | ${r.rss} |`,
      ),
      '',
      'Targets: in-process hit ≥ 0.85× bare with p99 ≤ 10 ms; Redis hit ≥ 0.5× bare; OFREP 10 rules ≥ 0.7× bare.',
    ];
    const table = lines.join('\n');
    console.log(table);
    await mkdir('bench-results', { recursive: true });
    await writeFile('bench-results/read-path.md', `${table}\n`);
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await database.drop();
  }
}

await main();
