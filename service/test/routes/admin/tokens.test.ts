import { createHash } from 'node:crypto';
import t from 'tap';
import { ADMIN_TOKEN, admin, bearer, buildTestApp, mintToken, within } from '../../helpers/app.ts';

const { app, db } = await buildTestApp(t);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const storedHashes = async () =>
  (await app.database.client.apiToken.findMany({ select: { secretHash: true } })).map((r) => r.secretHash);

t.test('mint shows the secret once and stores only its sha-256', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/tokens',
    headers: admin,
    payload: { name: 'checkout-service', scope: 'read', environment: 'production' },
  });
  t.equal(res.statusCode, 201);
  t.equal(res.headers['cache-control'], 'no-store');
  const minted = res.json();
  t.match(minted, {
    id: String,
    name: 'checkout-service',
    scope: 'read',
    environment: 'production',
    token: /^fs_/,
  });
  t.ok(minted.token.length >= 40, 'a long random secret');
  const hashes = await storedHashes();
  t.ok(hashes.includes(sha256(minted.token)), 'the hash is stored');
  const rows = JSON.stringify(await app.database.client.apiToken.findMany());
  t.notOk(rows.includes(minted.token), 'the secret is stored nowhere');

  const list = await app.inject({ url: '/api/admin/tokens', headers: admin });
  t.equal(list.statusCode, 200);
  t.notOk(list.body.includes(minted.token), 'the list never shows secrets');
  t.notOk(list.body.includes(sha256(minted.token)), 'nor hashes');
  t.match(list.json().tokens, [
    { name: 'bootstrap', scope: 'admin', environment: null },
    { name: 'checkout-service' },
  ]);

  const audit = await app.inject({ url: '/api/admin/audit?environment=production', headers: admin });
  t.notOk(audit.body.includes(minted.token), 'the audit trail holds no secret');
  t.match(audit.json().events[0], { action: 'token.created', actor: 'bootstrap' });
});

t.test('revoke: 204, then the token gets 401 at once', async (t) => {
  const { id, token } = await mintToken(app, { name: 'temp', scope: 'admin' });
  t.equal((await app.inject({ url: '/api/admin/tokens', headers: bearer(token) })).statusCode, 200);
  const res = await app.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin });
  t.equal(res.statusCode, 204);
  const after = await app.inject({ url: '/api/admin/tokens', headers: bearer(token) });
  t.equal(after.statusCode, 401);
  t.match(after.json().message, /'temp' was revoked/);
  const again = await app.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers: admin });
  t.equal(again.statusCode, 204, 'revoking twice is harmless');
  const listed = (await app.inject({ url: '/api/admin/tokens', headers: admin })).json().tokens;
  t.match(
    listed.find((x: { id: string }) => x.id === id),
    { revokedAt: String },
  );
});

t.test('use is recorded as lastUsedAt', async (t) => {
  const { id, token } = await mintToken(app, { name: 'user', scope: 'read' });
  await app.inject({ url: '/api/config/flags', headers: bearer(token) });
  let lastUsedAt: Date | null = null;
  for (let i = 0; i < 50 && !lastUsedAt; i++) {
    lastUsedAt = (await app.database.client.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    if (!lastUsedAt) await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(lastUsedAt, 'written in the background');
});

t.test('ADMIN_TOKEN sets the bootstrap token at every start, so changing it rotates it', async (t) => {
  const rotated = 'rotated-admin-token-abcdefghijklmnop';
  const { app: second } = await buildTestApp(t, { database: db, env: { ADMIN_TOKEN: rotated } });
  t.equal((await second.inject({ url: '/api/admin/tokens', headers: bearer(rotated) })).statusCode, 200);
  t.equal(
    (await second.inject({ url: '/api/admin/tokens', headers: bearer(ADMIN_TOKEN) })).statusCode,
    401,
    'the old secret no longer works',
  );
  const bootstraps = (await second.inject({ url: '/api/admin/tokens', headers: bearer(rotated) }))
    .json()
    .tokens.filter((x: { name: string }) => x.name === 'bootstrap');
  t.equal(bootstraps.length, 1, 'rotated in place, not duplicated');
  const { app: third } = await buildTestApp(t, { database: db, env: { ADMIN_TOKEN: rotated } });
  const audit = await third.inject({ url: '/api/admin/audit', headers: bearer(rotated) });
  t.equal(
    audit.json().events.filter((e: { action: string }) => e.action === 'token.rotated').length,
    1,
    'an unchanged ADMIN_TOKEN is not rotated again',
  );
});

t.test('the last admin token for all environments is not revoked: 409, mint another first', async (t) => {
  const { app, db } = await buildTestApp(t);
  const list = async () =>
    (await app.inject({ url: '/api/admin/tokens', headers: admin })).json().tokens as {
      id: string;
      name: string;
      revokedAt: string | null;
    }[];
  const revoke = (id: string, headers = admin) =>
    app.inject({ method: 'DELETE', url: `/api/admin/tokens/${id}`, headers });
  const bootstrap = (await list()).find((x) => x.name === 'bootstrap')!;
  await mintToken(app, { name: 'staging-admin', scope: 'admin', environment: 'staging' });
  await mintToken(app, { name: 'reader', scope: 'read' });

  const refused = await revoke(bootstrap.id);
  t.equal(refused.statusCode, 409, 'admin tokens limited to an environment and read tokens do not count');
  t.match(refused.json(), {
    code: 'LAST_ADMIN_TOKEN',
    message:
      /'bootstrap' is the last admin token for all environments.*Mint another admin token for all environments first/,
  });
  t.equal((await list()).find((x) => x.id === bootstrap.id)?.revokedAt, null, 'it stays live');
  const audit = (await app.inject({ url: '/api/admin/audit', headers: admin })).json().events;
  t.notOk(
    audit.some((e: { action: string }) => e.action === 'token.revoked'),
    'and nothing is audited',
  );

  const person = await mintToken(app, { name: 'person', scope: 'admin' });
  t.equal((await revoke(bootstrap.id)).statusCode, 204, 'with another one, the bootstrap token may go');
  const last = await revoke(person.id, bearer(person.token));
  t.equal(last.statusCode, 409, 'and then that one is the last');
  t.match(last.json().message, /'person' is the last admin token/);

  // The revoked ADMIN_TOKEN stays revoked at the next start, which goes on; a new one brings it back.
  const { app: restarted } = await buildTestApp(t, { database: db });
  t.equal((await restarted.inject({ url: '/api/admin/tokens', headers: admin })).statusCode, 401);
  const fresh = 'fresh-admin-token-0123456789abcdef';
  const { app: renewed } = await buildTestApp(t, { database: db, env: { ADMIN_TOKEN: fresh } });
  const tokens = (await renewed.inject({ url: '/api/admin/tokens', headers: bearer(fresh) })).json().tokens;
  t.match(
    tokens.filter((x: { name: string }) => x.name === 'bootstrap'),
    [{ revokedAt: String }, { revokedAt: null }],
    'a new bootstrap token beside the revoked one',
  );
});

t.test('two instances revoking the last two admin tokens at once: exactly one succeeds', async (t) => {
  const { app: a, db } = await buildTestApp(t);
  const { app: b } = await buildTestApp(t, { database: db });
  const bootstrapId = (await a.inject({ url: '/api/admin/tokens', headers: admin }))
    .json()
    .tokens.find((x: { name: string }) => x.name === 'bootstrap').id;
  // Each round: two live admin tokens for all environments, each revoking itself on its own instance.
  let survivor = { id: bootstrapId as string, token: ADMIN_TOKEN };
  for (let round = 0; round < 10; round++) {
    const res = await a.inject({
      method: 'POST',
      url: '/api/admin/tokens',
      headers: bearer(survivor.token),
      payload: { name: `admin-${round}`, scope: 'admin' },
    });
    const other = res.json() as { id: string; token: string };
    // B looks up only a few unknown secrets a second, so wait until it knows the new one.
    await within(
      10_000,
      async () =>
        (await b.inject({ url: '/api/admin/tokens', headers: bearer(other.token) })).statusCode === 200,
      50,
    );
    const [x, y] = await Promise.all([
      a.inject({
        method: 'DELETE',
        url: `/api/admin/tokens/${survivor.id}`,
        headers: bearer(survivor.token),
      }),
      b.inject({ method: 'DELETE', url: `/api/admin/tokens/${other.id}`, headers: bearer(other.token) }),
    ]);
    t.same([x.statusCode, y.statusCode].sort(), [204, 409], `round ${round}`);
    if (x.statusCode === 204) survivor = other;
  }
  const live = (await a.inject({ url: '/api/admin/tokens', headers: bearer(survivor.token) }))
    .json()
    .tokens.filter((x: { scope: string; revokedAt: string | null }) => x.scope === 'admin' && !x.revokedAt);
  t.equal(live.length, 1, 'one admin token is left');
});
