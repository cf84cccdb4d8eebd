// Prerequisites as the admin API writes them: stored and shown on the flag, checked at every write
// (unknown flags and variants, circles, the chain and count limits, variants other flags require),
// and archiving a flag other flags require is refused. A refused write changes nothing.
import t from 'tap';
import { admin, buildTestApp, createFlag, snapshot } from '../../helpers/app.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
const ENV = 'development';

const patch = (app: App, key: string, payload: object, environment = ENV) =>
  app.inject({
    method: 'PATCH',
    url: `/api/admin/flags/${key}?environment=${environment}`,
    headers: admin,
    payload,
  });
const post = (app: App, payload: object) =>
  app.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: admin,
    payload: { environment: ENV, ...payload },
  });
const archive = (app: App, key: string) =>
  app.inject({ method: 'DELETE', url: `/api/admin/flags/${key}?environment=${ENV}`, headers: admin });
const restore = (app: App, key: string) =>
  app.inject({ method: 'POST', url: `/api/admin/flags/${key}/restore?environment=${ENV}`, headers: admin });
const requiredBy = async (app: App, key: string) =>
  (
    await app.inject({ url: `/api/admin/flags/${key}/required-by?environment=${ENV}`, headers: admin })
  ).json();
const requires = (flag: string, variants = ['on']) => [{ flag, variants }];

/** Plain switches, on. */
async function switches(app: App, ...keys: string[]) {
  for (const key of keys) await createFlag(app, { environment: ENV, key, enabled: true });
}

t.test(
  'a chain is stored, shown on the flag and in the list, and each flag knows who requires it',
  async (t) => {
    const { app } = await buildTestApp(t);
    await switches(app, 'c');
    const b = await createFlag(app, {
      environment: ENV,
      key: 'b',
      enabled: true,
      prerequisites: requires('c'),
    });
    t.same(b.prerequisites, requires('c'), 'the create answers with its prerequisites');
    await createFlag(app, {
      environment: ENV,
      key: 'a',
      prerequisites: [{ flag: 'b', variants: ['on', 'off'] }],
    });
    const read = await app.inject({ url: `/api/config/flags/a?environment=${ENV}`, headers: admin });
    t.same(read.json().prerequisites, [{ flag: 'b', variants: ['on', 'off'] }], 'the read API shows them');
    const plain = await app.inject({ url: `/api/config/flags/c?environment=${ENV}`, headers: admin });
    t.same(plain.json().prerequisites, [], 'a flag without any shows an empty list');
    t.same(await requiredBy(app, 'c'), { flags: ['b'] });
    t.same(await requiredBy(app, 'b'), { flags: ['a'] });
    t.same(await requiredBy(app, 'a'), { flags: [] });

    const history = await app.inject({
      url: `/api/admin/flags/a/history?environment=${ENV}`,
      headers: admin,
    });
    t.same(history.json().events[0].after.prerequisites, [{ flag: 'b', variants: ['on', 'off'] }], 'audited');

    const dropped = await patch(app, 'a', { prerequisites: [] });
    t.equal(dropped.statusCode, 200);
    t.same(dropped.json().prerequisites, []);
    t.equal(dropped.json().version, 2);
    t.same(await requiredBy(app, 'b'), { flags: [] });
    const again = await patch(app, 'a', { prerequisites: [] });
    t.equal(again.json().version, 2, 'a PATCH that changes nothing writes nothing');
  },
);

t.test('unknown flags and variants are refused, saying what to do, and nothing changes', async (t) => {
  const { app } = await buildTestApp(t);
  await switches(app, 'known');
  await createFlag(app, { environment: ENV, key: 'dependent', enabled: true });
  const before = await snapshot(app);

  const unknown = await post(app, { key: 'new-flag', prerequisites: requires('nowhere') });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json(), {
    code: 'PREREQUISITE_NOT_FOUND',
    message: /'nowhere'.*Create or restore 'nowhere' first, or take it out of prerequisites/,
  });
  const variant = await patch(app, 'dependent', {
    prerequisites: [{ flag: 'known', variants: ['on', 'maybe'] }],
  });
  t.equal(variant.statusCode, 400);
  t.match(variant.json(), {
    code: 'PREREQUISITE_VARIANT_NOT_FOUND',
    message: /requires 'known' to serve 'maybe'.*its variants: 'on', 'off'.*Name variants it has/,
  });
  const twice = await patch(app, 'dependent', {
    prerequisites: [...requires('known'), ...requires('known')],
  });
  t.equal(twice.statusCode, 400);
  t.match(twice.json(), { code: 'INVALID_FLAG', message: /'known' twice/ });
  const tooMany = await patch(app, 'dependent', {
    prerequisites: Array.from({ length: 11 }, (_, i) => ({ flag: `f${i}`, variants: ['on'] })),
  });
  t.equal(tooMany.statusCode, 400, 'more than 10 on one flag: the schema refuses');
  t.equal(tooMany.json().code, 'VALIDATION_ERROR');
  const noVariants = await patch(app, 'dependent', { prerequisites: [{ flag: 'known', variants: [] }] });
  t.equal(noVariants.statusCode, 400, 'a prerequisite names at least one variant');
  t.same(await snapshot(app), before, 'nothing was written');
});

t.test('circles are refused, naming the path, whichever write would close them', async (t) => {
  const { app } = await buildTestApp(t);
  await switches(app, 'c');
  await createFlag(app, { environment: ENV, key: 'b', enabled: true, prerequisites: requires('c') });
  await createFlag(app, { environment: ENV, key: 'a', enabled: true, prerequisites: requires('b') });
  const before = await snapshot(app);

  const self = await patch(app, 'c', { prerequisites: requires('c') });
  t.equal(self.statusCode, 409);
  t.match(self.json(), { code: 'PREREQUISITE_CYCLE', message: /'c' → 'c'/ });
  const two = await patch(app, 'b', { prerequisites: requires('a') });
  t.equal(two.statusCode, 409);
  t.match(two.json(), { code: 'PREREQUISITE_CYCLE', message: /'b' → 'a' → 'b'/ });
  const three = await patch(app, 'c', { prerequisites: requires('a') });
  t.equal(three.statusCode, 409, 'closing A → B → C → A by updating C');
  t.match(three.json(), {
    code: 'PREREQUISITE_CYCLE',
    message: /'c' → 'a' → 'b' → 'c'.*take one of these prerequisites out/,
  });
  const selfCreate = await post(app, { key: 'loop', prerequisites: requires('loop') });
  t.equal(selfCreate.statusCode, 409, 'a new flag cannot require itself either');
  t.same(await snapshot(app), before, 'nothing was written');
});

t.test('chains are at most 10 long, counted whichever end is written', async (t) => {
  const { app } = await buildTestApp(t);
  await switches(app, 'link-0');
  for (let i = 1; i <= 10; i++) {
    await createFlag(app, {
      environment: ENV,
      key: `link-${i}`,
      enabled: true,
      prerequisites: requires(`link-${i - 1}`),
    });
  }
  const longer = await post(app, { key: 'link-11', prerequisites: requires('link-10') });
  t.equal(longer.statusCode, 400);
  t.match(longer.json(), { code: 'PREREQUISITE_LIMIT', message: /chain of 11 prerequisites.*at most 10/ });

  await switches(app, 'bottom');
  const below = await patch(app, 'link-0', { prerequisites: requires('bottom') });
  t.equal(below.statusCode, 400, 'lengthening the chain from below is refused too');
  t.match(below.json(), { code: 'PREREQUISITE_LIMIT', message: /would give 'link-10' a chain of 11/ });
});

t.test('a variant other flags require cannot be taken away', async (t) => {
  const { app } = await buildTestApp(t);
  await createFlag(app, {
    environment: ENV,
    key: 'colour',
    type: 'string',
    enabled: true,
    variants: { red: 'red', blue: 'blue' },
    defaultVariant: 'red',
  });
  await createFlag(app, {
    environment: ENV,
    key: 'uses-red',
    prerequisites: [{ flag: 'colour', variants: ['red'] }],
  });
  const before = await snapshot(app);
  const dropped = await patch(app, 'colour', { variants: { blue: 'blue' }, defaultVariant: 'blue' });
  t.equal(dropped.statusCode, 409);
  t.match(dropped.json(), { code: 'PREREQUISITE_VARIANT_IN_USE', message: /'uses-red' requires 'red'/ });
  t.same(await snapshot(app), before, 'nothing was written');
  const added = await patch(app, 'colour', { variants: { red: 'red', blue: 'blue', green: 'green' } });
  t.equal(added.statusCode, 200, 'adding a variant is fine');

  const importing = await app.inject({
    method: 'POST',
    url: `/api/admin/flagd/import?environment=${ENV}`,
    headers: admin,
    payload: { flags: { colour: { state: 'ENABLED', variants: { blue: 'blue' }, defaultVariant: 'blue' } } },
  });
  t.equal(importing.statusCode, 409, 'an import (a batch write) is checked the same way');
  t.equal(importing.json().code, 'PREREQUISITE_VARIANT_IN_USE');
});

t.test(
  'archiving a required flag is refused; restoring brings a flag back with its prerequisites',
  async (t) => {
    const { app } = await buildTestApp(t);
    await switches(app, 'base');
    await createFlag(app, { environment: ENV, key: 'one', prerequisites: requires('base') });
    await createFlag(app, { environment: ENV, key: 'two', prerequisites: requires('base') });
    const before = await snapshot(app);
    const refused = await archive(app, 'base');
    t.equal(refused.statusCode, 409);
    t.match(refused.json(), { code: 'FLAG_REQUIRED', message: /'base' is a prerequisite of 'one', 'two'/ });
    t.same(await snapshot(app), before, 'nothing was written');

    t.equal((await archive(app, 'one')).statusCode, 204, 'a dependent may be archived');
    t.equal((await archive(app, 'two')).statusCode, 204);
    t.equal((await archive(app, 'base')).statusCode, 204, 'once nothing live requires it, it may be');
    const back = await restore(app, 'one');
    t.equal(back.statusCode, 200, 'a flag whose prerequisite is archived is restored as it was');
    t.same(back.json().prerequisites, requires('base'));
    const off = await patch(app, 'one', { enabled: false });
    t.equal(off.statusCode, 200, 'and can still be changed while its prerequisite is archived');
    const another = await patch(app, 'one', { prerequisites: [...requires('base'), ...requires('base-2')] });
    t.equal(another.statusCode, 400, 'a new prerequisite must exist');
    t.equal((await restore(app, 'base')).statusCode, 200, 'the prerequisite comes back');
    t.same(await requiredBy(app, 'base'), { flags: ['one'] });
  },
);

t.test('a protected environment refuses a proposal that would break prerequisites', async (t) => {
  const { app } = await buildTestApp(t);
  const env = 'staging';
  await createFlag(app, { environment: env, key: 'b', enabled: true });
  await createFlag(app, { environment: env, key: 'a', prerequisites: requires('b') });
  const protect = await app.inject({
    method: 'PATCH',
    url: `/api/admin/environments/${env}`,
    headers: admin,
    payload: { protected: true },
  });
  t.equal(protect.statusCode, 200, protect.body);
  const circle = await patch(app, 'b', { prerequisites: requires('a') }, env);
  t.equal(circle.statusCode, 409);
  t.equal(circle.json().code, 'PREREQUISITE_CYCLE');
  const archived = await app.inject({
    method: 'DELETE',
    url: `/api/admin/flags/b?environment=${env}`,
    headers: admin,
  });
  t.equal(archived.statusCode, 409);
  t.equal(archived.json().code, 'FLAG_REQUIRED');
  const fine = await patch(app, 'a', { prerequisites: [{ flag: 'b', variants: ['on', 'off'] }] }, env);
  t.equal(fine.statusCode, 202, 'a sound change is proposed');
});

t.test(
  'an exported dependent imports elsewhere only as what flagd can say: refused, naming it',
  async (t) => {
    const { app } = await buildTestApp(t);
    await switches(app, 'base');
    await createFlag(app, {
      environment: ENV,
      key: 'dependent',
      enabled: true,
      prerequisites: requires('base'),
    });
    const document = (
      await app.inject({ url: `/api/config/flagd?environment=${ENV}`, headers: admin })
    ).json();
    const imported = await app.inject({
      method: 'POST',
      url: '/api/admin/flagd/import?environment=staging&dryRun=true',
      headers: admin,
      payload: document,
    });
    t.equal(imported.statusCode, 200, imported.body);
    t.match(imported.json(), {
      creates: [{ kind: 'flag', key: 'base' }],
      refusals: [{ flag: 'dependent', construct: 'in', path: '$.flags.dependent.targeting.if[0].in' }],
    });
  },
);
