// Builds the real app on a fresh database for a test file, and closes both when it ends.

import type { AddressInfo } from 'node:net';
import fp from 'fastify-plugin';
import type { Test } from 'tap';
import type { Role } from '../../src/access/authorization.ts';
import { type AppOptions, buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { reproduced } from '../../src/routes/hot-routes.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { testPrefix } from './redis.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

type App = Awaited<ReturnType<typeof buildApp>>;

/** Builds an app; pass `database` to share one with an app built earlier in the same test. */
export async function buildTestApp(
  t: Test,
  {
    env = {},
    database,
    plugins,
  }: { env?: Record<string, string>; database?: TestDatabase; plugins?: AppOptions['plugins'] } = {},
) {
  if (database?.kind === 'pglite') {
    throw new Error(
      'two app instances on one database need PostgreSQL: the embedded database takes one process at a time',
    );
  }
  const db = database ?? (await createTestDatabase());
  if (!database) t.comment(`database: ${db.source}`);
  // The event-loop check is off unless a test turns it on: a test host that stalls for a second
  // would otherwise answer unrelated tests with 503 OVERLOADED.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN,
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...db.env,
    ...env,
  });
  const app = await buildApp(config, { plugins }).catch(async (err: unknown) => {
    if (!database) await db.drop();
    throw err;
  });
  t.teardown(async () => {
    await app.close();
    if (!database) await db.drop();
  });
  return { app, db, config };
}

/** Every row the service keeps, for asserting that a refused request changed nothing. */
export async function snapshot(app: App) {
  const query = (sql: string) => app.database.client.$queryRawUnsafe<unknown[]>(sql);
  return {
    environments: await query('SELECT key, revision FROM environments ORDER BY key'),
    flags: await query(
      'SELECT environment_key, key, enabled, type, default_value, default_variant, off_variant, variants, rules, prerequisites, version, archived_at FROM flags ORDER BY environment_key, key',
    ),
    audit: await query('SELECT id::text, action, flag_key, version FROM audit_events ORDER BY id'),
    tokens: await query('SELECT id, name, scope, secret_hash, revoked_at FROM api_tokens ORDER BY id'),
  };
}

/** Creates a flag through the API and returns it. */
export const createFlag = (app: App, body: Record<string, unknown>, headers = admin) =>
  created(app, '/api/admin/flags', body, headers);

/** Creates a segment through the API and returns it. */
export const createSegment = (app: App, body: Record<string, unknown>, headers = admin) =>
  created(app, '/api/admin/segments', body, headers);

async function created(
  app: App,
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string>,
) {
  const res = await app.inject({ method: 'POST', url, headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Builds an app as buildTestApp does, listening on a loopback port; `base` is its URL. */
export async function buildListeningApp(t: Test, options: Parameters<typeof buildTestApp>[1] = {}) {
  const built = await buildTestApp(t, options);
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...built, base: `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}` };
}

/**
 * Two instances on one database, sharing the Redis at `redisUrl` under a key prefix of the test's
 * own (plus `settings`). Their in-process lifetime is a minute, so only a change's message makes
 * the other fresh.
 */
export async function twoInstances(t: Test, redisUrl: string, settings: Record<string, string> = {}) {
  const prefix = testPrefix(t, redisUrl);
  const env = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, L1_TTL_MS: '60000', ...settings };
  const { app: a, db } = await buildTestApp(t, { env });
  const { app: b } = await buildTestApp(t, { env, database: db });
  return { a, b, db, env, prefix };
}

/** Mints a token through the API and returns it, secret included. */
export async function mintToken(app: App, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/api/admin/tokens', headers: admin, payload: body });
  if (res.statusCode !== 201) throw new Error(`mint failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; token: string; name: string };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The admin role on every environment. */
export const ALL_ADMIN: Role[] = [{ right: 'admin', environments: null }];

/**
 * A person signed in as the identity provider's callback signs them in: the headers of their
 * session, its CSRF token included.
 */
export async function personSession(
  app: App,
  subject: string,
  name: string,
  roles: Role[] = ALL_ADMIN,
  email = `${subject}@example.com`,
) {
  const session = await app.sessions.signInPerson({ subject, name, email, roles });
  const cookie = `flagstone_session=${session.secret}`;
  const csrf = (await app.inject({ url: '/api/session', headers: { cookie } })).json().csrfToken as string;
  return { cookie, 'x-csrf-token': csrf };
}

/** The current value of one of the service's own counters, for the given labels. */
export async function counter(
  app: App,
  name: 'flagReads' | 'cacheLookups' | 'redisErrors' | 'invalidationsSent' | 'invalidationsReceived',
  labels: Record<string, string> = {},
) {
  const { values } = await app.telemetry[name].get();
  return values
    .filter((v) =>
      Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/** Polls `check` every `everyMs` until it holds; resolves with the milliseconds it took. */
export async function within(limitMs: number, check: () => Promise<boolean>, everyMs = 2): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return performance.now() - start;
}

/**
 * A plugin counting the answers Fastify gives (refusals by earlier hooks included), and the
 * count: what the fast path answered never reaches it. Its hook is marked as one the fast path
 * may skip, which is what it is there to see.
 */
export function routedCounter() {
  let routed = 0;
  const plugin = fp(async (app) => {
    app.addHook(
      'onResponse',
      reproduced('counting routed answers', (_request, _reply, done) => {
        routed += 1;
        done();
      }),
    );
  });
  return { plugin, routed: () => routed };
}
