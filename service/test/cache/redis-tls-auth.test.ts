// ElastiCache in production: rediss:// (TLS) and an AUTH token. A throwaway redis-server
// speaking TLS only with a password, and the real server process pointed at it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t from 'tap';
import { reconnectDelay } from '../../src/plugins/redis.ts';
import { ADMIN_TOKEN, admin } from '../helpers/app.ts';
import { createTestDatabase, findPostgres } from '../helpers/database.ts';
import { throwawayRedis } from '../helpers/redis.ts';
import { type Running, startServer, stopServer } from '../helpers/server-process.ts';

t.test('reconnects after 100 ms, doubling, at most 2 s apart', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 10].map(reconnectDelay), [100, 200, 400, 800, 1600, 2000, 2000]);
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();
const skip =
  (!openssl && 'needs openssl to make certificates') || (!(await findPostgres()) && 'needs PostgreSQL');

/** A throwaway certificate authority and a certificate for 127.0.0.1 signed by it. */
async function certificates(dir: string) {
  const file = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=flagstone-test-ca',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  await writeFile(file('ext'), 'subjectAltName=IP:127.0.0.1');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'ext',
  );
  return { cert: file('server.crt'), key: file('server.key'), ca: file('ca.crt') };
}

t.test('rediss:// with an AUTH token: connected, cached, invalidated', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flagstone-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const tls = await certificates(dir);
  const password = 'redis-auth-token-0123456789';
  const redis = await throwawayRedis(t, { tls, password });
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const servers: Running[] = [];
  t.teardown(() => Promise.all(servers.map(stopServer)));
  const start = async (token: string) => {
    const server = await startServer({
      DATABASE_URL: db.env.DATABASE_URL!,
      ADMIN_TOKEN,
      REDIS_URL: redis.url,
      REDIS_AUTH_TOKEN: token,
      NODE_EXTRA_CA_CERTS: tls.ca, // ElastiCache certificates chain to public CAs; this test CA is our own
      // The event-loop check is off: this is about TLS and AUTH, and a loaded host can stall a start.
      MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    servers.push(server);
    return server;
  };
  const call = (server: Running, path: string, init: RequestInit = {}) =>
    fetch(`${server.base}${path}`, {
      ...init,
      headers: { ...admin, 'content-type': 'application/json', ...init.headers },
    });

  const good = await start(password);
  const ready = async (server: Running) =>
    (await (await call(server, '/health/ready')).json()) as { checks?: { redis: string } };
  for (let i = 0; i < 50 && (await ready(good)).checks?.redis !== 'up'; i++)
    await new Promise((r) => setTimeout(r, 100));
  t.match(await ready(good), { status: 'ready', checks: { redis: 'up' } }, 'TLS and AUTH accepted');

  const created = await call(good, '/api/admin/flags', {
    method: 'POST',
    body: JSON.stringify({ key: 'over-tls', type: 'boolean', defaultValue: true }),
  });
  t.equal(created.status, 201);
  const probe = new Redis(redis.url, { password, tls: { ca: await readFile(tls.ca) } });
  t.teardown(() => probe.disconnect());
  t.equal(
    await probe.exists('flagstone:v3:flag:development:over-tls'),
    1,
    'the write reached Redis over TLS',
  );

  const wrong = await start('not-the-token');
  await new Promise((r) => setTimeout(r, 500));
  t.match(
    await ready(wrong),
    { status: 'degraded', checks: { redis: 'down' } },
    'a wrong token degrades, not fails',
  );
  t.equal((await call(wrong, '/api/config/flags/over-tls')).status, 200, 'and reads still answer');
});
