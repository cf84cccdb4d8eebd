// Restoring an archived flag: it comes back as it was, at its next version, audited, and every
// instance serves it again; creating its key while it is archived is refused with a pointer to
// restore, so an archived flag is never silently replaced.
import t from 'tap';
import { admin, bearer, createFlag, mintToken, twoInstances, within } from '../../helpers/app.ts';
import { findRedis, NO_REDIS } from '../../helpers/redis.ts';

const url = await findRedis();
if (!url) t.plan(0, NO_REDIS);
else {
  const { a, b } = await twoInstances(t, url);
  const reader = await mintToken(a, { name: 'sdk', scope: 'read' });
  type App = typeof a;
  const restore = (key: string, query = '', headers: Record<string, string> = admin) =>
    a.inject({ method: 'POST', url: `/api/admin/flags/${key}/restore${query}`, headers });
  const read = (app: App, key: string) => app.inject({ url: `/api/config/flags/${key}`, headers: admin });
  const evaluate = async (app: App, key: string, context: object) =>
    (
      await app.inject({
        method: 'POST',
        url: `/ofrep/v1/evaluate/flags/${key}`,
        headers: bearer(reader.token),
        payload: { context },
      })
    ).json();
  const revisionOf = async () =>
    (await a.inject({ url: '/api/admin/environments', headers: admin }))
      .json()
      .environments.find((e: { key: string }) => e.key === 'development').revision as number;

  const PROMO = {
    key: 'promo',
    type: 'string',
    enabled: true,
    description: 'spring sale',
    variants: { sale: 'SALE', plain: 'PLAIN' },
    defaultVariant: 'plain',
    offVariant: 'plain',
    rules: [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'gold' }], variant: 'sale' }],
  };
  const gold = { targetingKey: 'u1', plan: 'gold' };

  t.test('restore brings the flag back as it was, at its next version, on every instance', async (t) => {
    const created = await createFlag(a, PROMO);
    t.equal((await read(b, 'promo')).statusCode, 200, 'the other instance serves it');
    t.equal(
      (await a.inject({ method: 'DELETE', url: '/api/admin/flags/promo', headers: admin })).statusCode,
      204,
    );
    await within(10_000, async () => (await read(b, 'promo')).statusCode === 404);
    t.match(await evaluate(b, 'promo', gold), { errorCode: 'FLAG_NOT_FOUND' });

    const revision = await revisionOf();
    const res = await restore('promo');
    t.equal(res.statusCode, 200);
    t.equal(res.headers.etag, '"3"');
    const { version, updatedAt, archivedAt, ...rest } = res.json();
    t.equal(version, 3, 'created 1, archived 2, restored 3');
    t.equal(archivedAt, null);
    const { version: _v, updatedAt: _u, archivedAt: _a, ...was } = created;
    t.same(rest, was, 'everything else as it was: content, createdAt');
    t.equal(await revisionOf(), revision + 1, 'one change in the change log');

    t.match(
      (await read(a, 'promo')).json(),
      { version: 3 },
      'the instance that restored it serves it at once',
    );
    await within(10_000, async () => (await read(b, 'promo')).statusCode === 200);
    t.match((await read(b, 'promo')).json(), { version: 3, enabled: true, rules: PROMO.rules });
    t.match(await evaluate(b, 'promo', gold), { value: 'SALE', reason: 'TARGETING_MATCH' });
    const listed = (await b.inject({ url: '/api/config/flags', headers: admin })).json();
    t.ok(
      listed.flags.some((f: { key: string }) => f.key === 'promo'),
      'listed again',
    );

    const history = (await a.inject({ url: '/api/admin/flags/promo/history', headers: admin })).json();
    t.same(
      history.events.map((e: { action: string }) => e.action),
      ['flag.restored', 'flag.archived', 'flag.created'],
    );
    t.match(history.events[0], {
      actor: 'bootstrap',
      version: 3,
      revision: revision + 1,
      before: { archivedAt: String, version: 2 },
      after: { archivedAt: null, version: 3 },
    });
  });

  t.test('restoring a live flag is a 409 FLAG_NOT_ARCHIVED and changes nothing', async (t) => {
    const revision = await revisionOf();
    const again = await restore('promo');
    t.equal(again.statusCode, 409);
    t.match(again.json(), { code: 'FLAG_NOT_ARCHIVED', message: /not archived.*PATCH/ });
    t.equal(await revisionOf(), revision);
    t.match((await read(a, 'promo')).json(), { version: 3 });
  });

  t.test('a key that is no flag is a 404; so is an unknown environment', async (t) => {
    t.match((await restore('never-was')).json(), { statusCode: 404, code: 'FLAG_NOT_FOUND' });
    t.match((await restore('promo', '?environment=moon')).json(), {
      statusCode: 404,
      code: 'ENVIRONMENT_NOT_FOUND',
    });
    t.match((await restore('promo', '', bearer(reader.token))).json(), { statusCode: 403 });
    t.match((await restore('promo', '?force=true')).json(), { statusCode: 400 }, 'an unknown parameter');
  });

  t.test(
    'creating an archived key is a 409 FLAG_ARCHIVED pointing at restore; the archived flag stays',
    async (t) => {
      await createFlag(a, { key: 'retired', type: 'string', variants: { v: 'old' }, defaultVariant: 'v' });
      await a.inject({
        method: 'DELETE',
        url: '/api/admin/flags/retired?environment=development',
        headers: admin,
      });
      const revision = await revisionOf();
      const res = await a.inject({
        method: 'POST',
        url: '/api/admin/flags',
        headers: admin,
        payload: { key: 'retired', type: 'string', variants: { v: 'new' }, defaultVariant: 'v' },
      });
      t.equal(res.statusCode, 409);
      t.match(res.json(), {
        code: 'FLAG_ARCHIVED',
        message:
          /Flag 'retired' is archived in environment 'development'.*POST \/api\/admin\/flags\/retired\/restore\?environment=development/,
      });
      t.equal(await revisionOf(), revision, 'nothing written');
      t.match((await a.inject({ url: '/api/admin/flags/retired', headers: admin })).json(), {
        variants: { v: 'old' },
        version: 2,
        archivedAt: String,
      });
      t.equal((await read(a, 'retired')).statusCode, 404, 'still archived');
      t.match((await restore('retired')).json(), { variants: { v: 'old' }, version: 3, archivedAt: null });
    },
  );

  t.test('the OpenAPI document describes restore and what it answers', async (t) => {
    const doc = (await a.inject({ url: '/docs/json' })).json();
    const route = doc.paths['/api/admin/flags/{flagKey}/restore']?.post;
    t.ok(route, 'documented');
    // The statuses every route may answer (oversized URLs, overload…) are documented app-wide.
    const statuses = Object.keys(route.responses);
    for (const status of ['200', '400', '401', '403', '404', '409', '503']) {
      t.ok(statuses.includes(status), `documents ${status}`);
    }
    t.notOk(route.requestBody, 'no body');
  });
}
