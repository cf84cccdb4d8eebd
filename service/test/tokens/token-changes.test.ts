// Revocations and sign-outs across instances: they travel the path flag changes travel, a
// message over Redis as the fast path and the token change log (caught up once per L1_TTL_MS)
// as the durable one. Two instances on one database; the Redis is a throwaway of the test's
// own, killed where the test says so, never the shared one.
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, admin, bearer, buildListeningApp, mintToken, within } from '../helpers/app.ts';
import { throwawayRedis } from '../helpers/redis.ts';
import { openStream } from '../helpers/sse.ts';

/** How long an instance may take to learn of a change; the time it took is reported. */
const DEADLINE_MS = 15_000;
/** The catch-up interval of the instance that must catch up. */
const CATCH_UP_MS = '200';
/** An interval no test waits for: only a message can bring the change in time. */
const NEVER_MS = '600000';

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

/** Instances A and B on one database and one Redis (or none); `b` catches up every `bCatchUpMs`. */
async function twoInstances(t: Test, bCatchUpMs: string, withRedis = true) {
  const redis = withRedis ? await throwawayRedis(t) : undefined;
  const shared: Record<string, string> = redis
    ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'revocation:' }
    : {};
  const a = await buildListeningApp(t, { env: { ...shared, L1_TTL_MS: CATCH_UP_MS } });
  if (a.db.kind === 'pglite') return undefined;
  const b = await buildListeningApp(t, { env: { ...shared, L1_TTL_MS: bCatchUpMs }, database: a.db });
  return { a, b, redis };
}

const patchAs = (app: App, token: string, n: number) =>
  app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/banner',
    headers: bearer(token),
    payload: { description: `change ${n}` },
  });

async function signIn(app: App, token = ADMIN_TOKEN) {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { token } });
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken as string };
}

/** Revokes on A a token B has just verified, and waits until B refuses it; how long that took. */
async function revokedOnB(t: Test, a: App, b: App) {
  await a.inject({ method: 'POST', url: '/api/admin/flags', headers: admin, payload: { key: 'banner' } });
  const { id, token } = await mintToken(a, { name: 'leaving', scope: 'admin' });
  t.equal((await patchAs(b, token, 0)).statusCode, 200, 'B accepts the token, and remembers it');
  const started = performance.now();
  const revoked = await a.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin });
  t.equal(revoked.statusCode, 204);
  t.equal((await patchAs(a, token, 0)).statusCode, 401, 'A refuses it at once');
  let accepted = 0;
  let n = 1;
  await within(
    DEADLINE_MS,
    async () => {
      const status = (await patchAs(b, token, n++)).statusCode;
      if (status === 200) accepted += 1;
      return status === 401;
    },
    20,
  );
  const ms = performance.now() - started;
  t.comment(
    `B refused the revoked token ${ms.toFixed(0)} ms after the revocation began (${accepted} changes before)`,
  );
  const audited = await b.inject({ url: '/api/admin/flags/banner/history', headers: admin });
  t.equal(
    audited.json().events.filter((e: { actor: string }) => e.actor === 'leaving').length,
    1 + accepted,
    'nothing more was written in its name',
  );
}

t.test('Redis down: a revocation on A reaches B within the catch-up interval', async (t) => {
  const both = await twoInstances(t, CATCH_UP_MS);
  if (!both) return t.comment('two instances need PostgreSQL: skipped');
  const { a, b, redis } = both;
  await redis!.kill();
  await within(DEADLINE_MS, async () => a.app.redisState() === 'down' && b.app.redisState() === 'down', 20);
  await revokedOnB(t, a.app, b.app);
});

t.test('Redis up: a revocation on A reaches B by message (B never catches up in time)', async (t) => {
  const both = await twoInstances(t, NEVER_MS);
  if (!both) return t.comment('two instances need PostgreSQL: skipped');
  await revokedOnB(t, both.a.app, both.b.app);
});

/** Opens the UI's change stream on B with a session signed in on A; resolves when it is open. */
async function streamOnB(t: Test, base: string, cookie: string) {
  const stream = await openStream(`${base}/api/admin/events?environment=development`, { cookie });
  t.teardown(() => stream.close());
  t.equal(stream.status, 200, 'B streams for a session signed in on A');
  return stream;
}

async function ends(t: Test, stream: Awaited<ReturnType<typeof openStream>>, what: string) {
  const started = performance.now();
  await Promise.race([
    stream.ended,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: B's stream still open`)), DEADLINE_MS).unref(),
    ),
  ]);
  t.pass(`${what}: B's stream ended (${(performance.now() - started).toFixed(0)} ms)`);
}

for (const [name, bCatchUpMs, withRedis] of [
  ['without Redis, from the change log', CATCH_UP_MS, false],
  ['with Redis, by message', NEVER_MS, true],
] as const) {
  t.test(`sign-out and revocation on A end the session's streams on B, ${name}`, async (t) => {
    const both = await twoInstances(t, bCatchUpMs, withRedis);
    if (!both) return t.comment('two instances need PostgreSQL: skipped');
    const { a, b } = both;

    const session = await signIn(a.app);
    const stream = await streamOnB(t, b.base, session.cookie);
    const other = await signIn(a.app);
    const untouched = await streamOnB(t, b.base, other.cookie);
    const out = await a.app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    t.equal(out.statusCode, 204);
    await ends(t, stream, 'signed out on A');
    t.notOk(untouched.closed(), 'another session of the same token keeps its stream');

    const { id, token } = await mintToken(a.app, { name: 'person', scope: 'admin' });
    const personal = await signIn(a.app, token);
    const revokedStream = await streamOnB(t, b.base, personal.cookie);
    const revoked = await a.app.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin });
    t.equal(revoked.statusCode, 204);
    await ends(t, revokedStream, 'its token revoked on A');
    t.notOk(untouched.closed(), 'the sessions of other tokens keep theirs');
  });
}
