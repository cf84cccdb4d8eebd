// A flag's variants keep the order they were sent in, over HTTP, on every path: the write's answer,
// the admin and read APIs, the list, the history, the Redis entry, and another instance's snapshot.
import { Redis } from 'ioredis';
import t from 'tap';
import { ENTRY_FORMAT } from '../../../src/cache/redis-cache.ts';
import { admin, twoInstances, within } from '../../helpers/app.ts';
import { findRedis, NO_REDIS } from '../../helpers/redis.ts';

const url = await findRedis();
if (!url) t.plan(0, NO_REDIS);
else {
  const { a, b, prefix } = await twoInstances(t, url);
  const redis = new Redis(url);
  t.teardown(() => redis.disconnect());
  type App = typeof a;
  const get = async (app: App, path: string) => (await app.inject({ url: path, headers: admin })).json();
  const names = (flag: { variants: object } | undefined) => Object.keys(flag?.variants ?? {});
  const keyed = (flags: { key: string }[], key: string) => flags.find((f) => f.key === key) as never;

  /** The order of the flag's variants everywhere it can be read, on both instances. */
  async function everywhere(key: string) {
    const entry = await redis.hget(`${prefix}${ENTRY_FORMAT}flag:development:${key}`, 'd');
    return {
      admin: names(await get(a, `/api/admin/flags/${key}`)),
      read: names(await get(a, `/api/config/flags/${key}`)),
      list: names(keyed((await get(a, '/api/config/flags')).flags, key)),
      adminList: names(keyed((await get(a, '/api/admin/flags')).flags, key)),
      redis: names(JSON.parse(entry!).change.flag),
      otherInstance: names(await get(b, `/api/config/flags/${key}`)),
    };
  }
  const all = (order: string[]) => ({
    admin: order,
    read: order,
    list: order,
    adminList: order,
    redis: order,
    otherInstance: order,
  });
  const versionOn = async (app: App, key: string) => (await get(app, `/api/config/flags/${key}`)).version;

  t.test('created zebra, apple, mango-long, kiwi: read back in that order everywhere', async (t) => {
    await get(b, '/api/config/flags'); // b holds the environment: the change must come to it
    const order = ['zebra', 'apple', 'mango-long', 'kiwi'];
    const created = await a.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: { ...admin, 'content-type': 'application/json' },
      payload:
        '{"key":"fruit","type":"string","variants":{"zebra":"Z","apple":"A","mango-long":"M","kiwi":"K"},"defaultVariant":"apple"}',
    });
    t.equal(created.statusCode, 201);
    t.same(names(created.json()), order, 'the answer to the create');
    await within(
      10_000,
      async () => (await b.inject({ url: '/api/config/flags/fruit', headers: admin })).statusCode === 200,
    );
    t.same(await everywhere('fruit'), all(order));
    const history = await get(a, '/api/admin/flags/fruit/history');
    t.same(names(history.events[0].after), order, 'the audit event');
  });

  t.test('a PATCH that only reorders the variants is a change, kept in its order', async (t) => {
    const reordered = ['kiwi', 'mango-long', 'apple', 'zebra'];
    const patched = await a.inject({
      method: 'PATCH',
      url: '/api/admin/flags/fruit',
      headers: admin,
      payload: { variants: { kiwi: 'K', 'mango-long': 'M', apple: 'A', zebra: 'Z' } },
    });
    t.equal(patched.statusCode, 200);
    t.equal(patched.json().version, 2, 'a new version: the order is part of the flag');
    t.same(names(patched.json()), reordered);
    await within(10_000, async () => (await versionOn(b, 'fruit')) === 2);
    t.same(await everywhere('fruit'), all(reordered));
    const [event] = (await get(a, '/api/admin/flags/fruit/history')).events;
    t.match(event, { action: 'flag.updated', version: 2 });
    t.same(names(event.before), ['zebra', 'apple', 'mango-long', 'kiwi'], 'the audit: before');
    t.same(names(event.after), reordered, 'and after');

    const same = await a.inject({
      method: 'PATCH',
      url: '/api/admin/flags/fruit',
      headers: admin,
      payload: { variants: { kiwi: 'K', 'mango-long': 'M', apple: 'A', zebra: 'Z' } },
    });
    t.equal(same.json().version, 2, 'the same variants in the same order change nothing');
  });

  t.test('the values of a json flag keep their own order too', async (t) => {
    const created = await a.inject({
      method: 'POST',
      url: '/api/admin/flags',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"key":"layout","type":"json","variants":{"wide":{"alpha":1,"z":2}},"defaultVariant":"wide"}',
    });
    t.equal(created.statusCode, 201);
    t.same(Object.keys((await get(a, '/api/admin/flags/layout')).variants.wide), ['alpha', 'z']);
  });

  t.test(
    'names that are integers come first, in ascending order, as in any JSON object JavaScript reads',
    async (t) => {
      const created = await a.inject({
        method: 'POST',
        url: '/api/admin/flags',
        headers: { ...admin, 'content-type': 'application/json' },
        payload: '{"key":"tiers","type":"number","variants":{"gold":3,"2":2,"1":1},"defaultVariant":"1"}',
      });
      t.same(names(created.json()), ['1', '2', 'gold']);
      t.same(names(await get(a, '/api/admin/flags/tiers')), ['1', '2', 'gold']);
    },
  );
}
