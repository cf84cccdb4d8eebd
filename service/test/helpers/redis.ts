// Redis for tests: the shared server with a key prefix of the test's own (its keys are
// deleted afterwards, never the server's), or a throwaway redis-server on a spare port that
// a test may kill and restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Test } from 'tap';

const LOCAL_URL = 'redis://127.0.0.1:6379';

let shared: Promise<string | undefined> | undefined;

async function answers(url: string) {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function startContainer(): Promise<string | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7.2-alpine').withExposedPorts(6379).start();
    process.once('exit', () => void container.stop());
    return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  } catch {
    return undefined;
  }
}

export const NO_REDIS = 'needs Redis: none at REDIS_URL or 127.0.0.1:6379, and no Docker for testcontainers';

/**
 * The shared Redis: REDIS_URL, else 127.0.0.1:6379, else testcontainers; undefined if none,
 * except in CI (CI=true), where a missing Redis fails the test file instead of skipping it.
 */
export function findRedis() {
  shared ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    const url = (await answers(LOCAL_URL)) ? LOCAL_URL : await startContainer();
    if (!url && process.env.CI) throw new Error(`CI=true and the tests ${NO_REDIS}`);
    return url;
  })();
  return shared;
}

/** A key prefix no other test uses; its keys are removed when the test ends. */
export function testPrefix(t: Test, url: string) {
  const prefix = `flagstone-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  t.teardown(async () => {
    const redis = new Redis(url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return prefix;
}

export async function sparePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * A redis-server of the test's own on a spare loopback port, killed when the test ends.
 * `tls` (certificate files) makes it speak TLS only, as ElastiCache does; `password` requires AUTH.
 */
export async function throwawayRedis(
  t: Test,
  { tls, password }: { tls?: { cert: string; key: string; ca: string }; password?: string } = {},
): Promise<ThrowawayRedis> {
  const port = await sparePort();
  let child: ChildProcess | undefined;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
    : ['--port', String(port)];
  const args = [
    ...listen,
    ...(tls ? ['--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no'] : []),
    ...(password ? ['--requirepass', password] : []),
    ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  ];
  const server: ThrowawayRedis = {
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'ignore'] });
      const started = child;
      // Even if the test process dies mid-test, its redis-server must not outlive it.
      process.once('exit', () => started.kill('SIGKILL'));
      let output = '';
      for await (const chunk of child.stdout!) {
        output += chunk;
        if (output.includes('Ready to accept connections')) break;
      }
      child.stdout?.resume();
    },
    async kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  t.teardown(() => server.kill());
  return server;
}
