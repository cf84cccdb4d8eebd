import t from 'tap';
import type { Invalidation } from '../../src/cache/invalidation-bus.ts';
import { createSessionService } from '../../src/sessions/session-service.ts';
import { createTokenService, hashSecret } from '../../src/tokens/token-service.ts';
import { createFakeTokenStore } from '../fakes/fake-token-store.ts';

function setup() {
  const fake = createFakeTokenStore();
  return { ...fake, tokens: createTokenService({ store: fake.store }) };
}

/** A clock the test moves. */
function testClock(start = 1_000_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

t.test('a verified token is cached: no store lookup per request', async (t) => {
  const { tokens, calls } = setup();
  const { token } = await tokens.mint({ name: 'svc', scope: 'read' }, 'admin');
  for (let i = 0; i < 5; i++) t.equal((await tokens.authenticate(token)).name, 'svc');
  t.equal(calls.findByHash, 1);
  t.equal(calls.touch, 1, 'lastUsedAt is written once, not per request');
});

t.test('a refreshed verification keeps the lastUsedAt schedule: once a minute per token', async (t) => {
  const fake = createFakeTokenStore();
  const clock = testClock();
  const tokens = createTokenService({ store: fake.store, cacheTtlMs: 1000, now: clock.now });
  const { token } = await tokens.mint({ name: 'svc', scope: 'read' }, 'admin');
  for (let i = 0; i < 3; i++) {
    await tokens.authenticate(token);
    await tokens.authenticate(token);
    clock.advance(1001);
  }
  t.equal(fake.calls.findByHash, 3, 'each expired verification asked the store again, once');
  t.equal(fake.calls.touch, 1, 'but lastUsedAt was written once');
  clock.advance(60_000);
  await tokens.authenticate(token);
  t.equal(fake.calls.touch, 2, 'and again a minute later');
});

t.test('unknown and missing tokens are 401, and unknown ones are cached too', async (t) => {
  const { tokens, calls } = setup();
  await t.rejects(async () => tokens.authenticate(undefined), {
    statusCode: 401,
    message: /Missing API token/,
  });
  await t.rejects(async () => tokens.authenticate('fs_guess'), {
    statusCode: 401,
    message: /Unknown API token/,
  });
  await t.rejects(async () => tokens.authenticate('fs_guess'), {
    statusCode: 401,
    message: /Unknown API token/,
  });
  t.equal(calls.findByHash, 1);
});

t.test('revoking drops the cached verification at once', async (t) => {
  const { tokens } = setup();
  const { id, token } = await tokens.mint({ name: 'svc', scope: 'read' }, 'admin');
  await tokens.authenticate(token);
  await tokens.revoke(id, 'admin');
  await t.rejects(async () => tokens.authenticate(token), { statusCode: 401, message: /'svc' was revoked/ });
  await t.rejects(tokens.revoke('00000000-0000-4000-8000-000000000000', 'admin'), {
    code: 'TOKEN_NOT_FOUND',
  });
});

t.test('secrets are random and only their sha-256 reaches the store', async (t) => {
  const { tokens, store } = setup();
  const a = await tokens.mint({ name: 'a', scope: 'read' }, 'admin');
  const b = await tokens.mint({ name: 'b', scope: 'read' }, 'admin');
  t.not(a.token, b.token);
  t.match(a.token, /^fs_[A-Za-z0-9_-]{43}$/);
  t.equal((await store.findByHash(hashSecret(a.token)))?.id, a.id);
  t.equal(hashSecret('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

t.test('bootstrap: ADMIN_TOKEN sets it; otherwise one is minted once', async (t) => {
  const { tokens } = setup();
  const first = await tokens.bootstrap(undefined);
  t.match(first, { outcome: 'created', secret: /^fs_/ });
  t.equal((await tokens.authenticate(first.secret)).name, 'bootstrap');
  t.same(await tokens.bootstrap(undefined), { outcome: 'unchanged' }, 'not minted again on restart');
  t.same(await tokens.bootstrap('x'.repeat(32)), { outcome: 'rotated' });
  t.same(await tokens.bootstrap('x'.repeat(32)), { outcome: 'unchanged' });
});

t.test('bootstrap: instances starting together on an empty store mint one token, not one each', async (t) => {
  const fake = createFakeTokenStore();
  const [a, b] = [createTokenService({ store: fake.store }), createTokenService({ store: fake.store })];
  const minted = (await Promise.all([a.bootstrap(undefined), b.bootstrap(undefined)])).filter(
    (m) => m.secret,
  );
  t.equal(minted.length, 1, 'one secret is shown');
  t.equal((await b.authenticate(minted[0]!.secret!)).name, 'bootstrap', 'and it works');
});

t.test('rotating the bootstrap token tells every instance to forget the old secret', async (t) => {
  const fake = createFakeTokenStore();
  const told: Invalidation[] = [];
  const bus = { publish: async (message: Invalidation) => told.push(message) > 0 };
  const tokens = createTokenService({ store: fake.store, bus });
  await tokens.bootstrap('a'.repeat(32));
  const { id } = await tokens.authenticate('a'.repeat(32));
  t.same(told, [], 'creating it tells no one');
  await tokens.bootstrap('a'.repeat(32));
  t.same(told, [], 'nor does setting the same secret again');
  await tokens.bootstrap('b'.repeat(32));
  t.same(told, [{ type: 'token', id }], 'a new secret does');
});

t.test('a missed message costs only time: the change log brings revocations and sign-outs', async (t) => {
  const fake = createFakeTokenStore();
  const changed: string[] = [];
  const ended: string[] = [];
  // Two instances on one store, and no bus between them.
  const here = createTokenService({ store: fake.store });
  const there = createTokenService({
    store: fake.store,
    onTokenChanged: (id) => changed.push(id),
    onSessionEnded: (id) => ended.push(id),
  });
  await there.catchUp();
  const { id, token } = await here.mint({ name: 'svc', scope: 'read' }, 'admin');
  t.equal((await there.authenticate(token)).name, 'svc', 'there trusts it, from its cache');
  await there.catchUp();
  const lookups = fake.calls.findByHash;
  await there.authenticate(token);
  t.equal(fake.calls.findByHash, lookups, 'a mint read from the log keeps what is cached of it');
  await here.revoke(id, 'admin');
  t.equal((await there.authenticate(token)).name, 'svc', 'until it reads the log');
  await there.catchUp();
  t.same(changed, [id, id], 'the token changed: minted, then revoked');
  t.notOk(there.isLive(id));
  await t.rejects(there.authenticate(token), { statusCode: 401, message: /'svc' was revoked/ });

  const sessions = createSessionService({ store: fake.sessionStore, authenticate: here.authenticate });
  const session = await sessions.signIn((await here.mint({ name: 'person', scope: 'read' }, 'admin')).token);
  await sessions.signOut(session.secret);
  await sessions.signOut(session.secret);
  await there.catchUp();
  t.same(ended, [session.id], 'the sign-out ended its session there, once');
  await there.catchUp();
  t.equal(ended.length, 1, 'nothing is applied twice');
});

t.test('a message brings the same at once', async (t) => {
  const fake = createFakeTokenStore();
  const told: Invalidation[] = [];
  const bus = { publish: async (message: Invalidation) => told.push(message) > 0 };
  const ended: string[] = [];
  const here = createTokenService({ store: fake.store, bus });
  const there = createTokenService({ store: fake.store, onSessionEnded: (id) => ended.push(id) });
  const { id, token } = await here.mint({ name: 'person', scope: 'read' }, 'admin');
  const sessions = createSessionService({ store: fake.sessionStore, authenticate: here.authenticate, bus });
  const session = await sessions.signIn(token);
  await sessions.signOut(session.secret);
  t.same(told.at(-1), { type: 'token', id, session: session.id });
  there.receive(told.at(-1) as Extract<Invalidation, { type: 'token' }>);
  t.same(ended, [session.id]);

  const person = await sessions.signInPerson({
    subject: 'sub-1',
    name: 'Ada',
    email: 'ada@example.com',
    roles: [{ right: 'read', environments: null }],
  });
  await sessions.signOut(person.secret);
  t.same(
    told.at(-1),
    { type: 'token', id: person.id, session: person.id },
    "a person's session is named in its token's place",
  );
  there.receive(told.at(-1) as Extract<Invalidation, { type: 'token' }>);
  t.same(ended, [session.id, person.id], 'and it ends there too');
});

t.test('the last admin token for all environments cannot be revoked', async (t) => {
  const { tokens } = setup();
  const first = await tokens.mint({ name: 'first', scope: 'admin' }, 'admin');
  await tokens.mint({ name: 'staging-only', scope: 'admin', environment: 'staging' }, 'admin');
  await t.rejects(tokens.revoke(first.id, 'admin'), { statusCode: 409, code: 'LAST_ADMIN_TOKEN' });
  const second = await tokens.mint({ name: 'second', scope: 'admin' }, 'admin');
  await tokens.revoke(first.id, 'admin');
  await t.rejects(tokens.revoke(second.id, 'admin'), { code: 'LAST_ADMIN_TOKEN' });
});
