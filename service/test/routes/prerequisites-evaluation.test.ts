// What a flag with prerequisites serves, on every read path alike: OFREP one flag (the route through
// inject, the fast path over warm HTTP), OFREP bulk, the admin playground, and the read API, which
// shows the flag as stored. An unmet prerequisite (off, held off itself, another variant, archived)
// makes the flag serve its off variant, reason DISABLED, as when it is off.
import t, { type Test } from 'tap';
import { admin, buildTestApp, createFlag } from '../helpers/app.ts';
import { bothTransports } from '../helpers/both-transports.ts';

const ENV = 'development';
const { app } = await buildTestApp(t);
const send = await bothTransports(t, app);

interface Answer {
  key?: string;
  value?: unknown;
  variant?: string;
  reason?: string;
}

/** One flag over OFREP: the route and the fast path must agree (bothTransports compares them). */
async function one(key: string, context: object = { targetingKey: 'user-1' }): Promise<Answer> {
  const res = await send({
    method: 'POST',
    url: `/ofrep/v1/evaluate/flags/${key}?environment=${ENV}`,
    headers: admin,
    payload: { context },
  });
  t.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** Every flag over OFREP bulk, by key. */
async function bulk(context: object = { targetingKey: 'user-1' }) {
  const res = await app.inject({
    method: 'POST',
    url: `/ofrep/v1/evaluate/flags?environment=${ENV}`,
    headers: admin,
    payload: { context },
  });
  return new Map((res.json().flags as Answer[]).map((answer) => [answer.key!, answer]));
}

/** The admin playground's answer. */
async function playground(key: string, context: object = { targetingKey: 'user-1' }) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/admin/flags/${key}/evaluate?environment=${ENV}`,
    headers: admin,
    payload: { context },
  });
  return res.json() as Answer;
}

/** The same answer on every path, returned as OFREP gives it for one flag. */
async function everywhere(t: Test, key: string, context?: object) {
  const single = await one(key, context);
  const { key: _key, ...shape } = single;
  const listed = (await bulk(context)).get(key);
  t.same(listed, single, `${key}: bulk agrees`);
  const { key: _k, ...played } = await playground(key, context);
  t.same(played, shape, `${key}: the playground agrees`);
  return shape;
}

const patch = (key: string, payload: object) =>
  app.inject({ method: 'PATCH', url: `/api/admin/flags/${key}?environment=${ENV}`, headers: admin, payload });

await createFlag(app, { environment: ENV, key: 'payments', enabled: true });
await createFlag(app, {
  environment: ENV,
  key: 'checkout',
  type: 'string',
  enabled: true,
  variants: { old: 'old', new: 'new' },
  defaultVariant: 'new',
  offVariant: 'old',
  prerequisites: [{ flag: 'payments', variants: ['on'] }],
});
await createFlag(app, {
  environment: ENV,
  key: 'banner',
  enabled: true,
  prerequisites: [{ flag: 'checkout', variants: ['new'] }],
});
await createFlag(app, {
  environment: ENV,
  key: 'no-off-variant',
  type: 'number',
  enabled: true,
  variants: { ten: 10 },
  defaultVariant: 'ten',
  offVariant: null,
  prerequisites: [{ flag: 'payments', variants: ['on'] }],
});

t.test('met prerequisites: the flag serves what it would without them', async (t) => {
  t.same(await everywhere(t, 'checkout'), { value: 'new', reason: 'STATIC', variant: 'new', metadata: {} });
  t.same(await everywhere(t, 'banner'), { value: true, reason: 'STATIC', variant: 'on', metadata: {} });
  t.same(await everywhere(t, 'no-off-variant'), {
    value: 10,
    reason: 'STATIC',
    variant: 'ten',
    metadata: {},
  });
});

t.test('a prerequisite turned off: its dependents serve their off variant, down the chain', async (t) => {
  t.equal((await patch('payments', { enabled: false })).statusCode, 200);
  t.same(await everywhere(t, 'checkout'), { value: 'old', reason: 'DISABLED', variant: 'old', metadata: {} });
  t.same(
    await everywhere(t, 'banner'),
    { value: false, reason: 'DISABLED', variant: 'off', metadata: {} },
    'checkout is held off, so banner is too',
  );
  t.same(
    await everywhere(t, 'no-off-variant'),
    { reason: 'DISABLED', metadata: {} },
    'no off variant: no value, the code default',
  );
  const read = await send({ url: `/api/config/flags/checkout?environment=${ENV}`, headers: admin });
  t.match(
    read.json(),
    { enabled: true, prerequisites: [{ flag: 'payments', variants: ['on'] }] },
    'the read API shows the flag as stored: on, with what it requires',
  );
  t.equal((await patch('payments', { enabled: true })).statusCode, 200);
  t.same((await everywhere(t, 'banner')).variant, 'on', 'turned on again: the chain serves again');
});

t.test('a prerequisite serving another variant is not met', async (t) => {
  t.equal((await patch('checkout', { defaultVariant: 'old' })).statusCode, 200);
  t.same(await everywhere(t, 'banner'), { value: false, reason: 'DISABLED', variant: 'off', metadata: {} });
  t.equal((await patch('checkout', { defaultVariant: 'new' })).statusCode, 200);
  t.same((await everywhere(t, 'banner')).variant, 'on');
});

t.test('a prerequisite with a split: met for exactly the users it buckets into the variant', async (t) => {
  await createFlag(app, {
    environment: ENV,
    key: 'experiment',
    type: 'string',
    enabled: true,
    variants: { control: 'control', treatment: 'treatment' },
    defaultVariant: 'control',
    rules: [
      {
        split: [
          { variant: 'control', weight: 50 },
          { variant: 'treatment', weight: 50 },
        ],
      },
    ],
  });
  await createFlag(app, {
    environment: ENV,
    key: 'promo',
    enabled: true,
    prerequisites: [{ flag: 'experiment', variants: ['treatment'] }],
  });
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const context = { targetingKey: `user-${i}` };
    const answers = await bulk(context);
    const bucket = answers.get('experiment')!.variant!;
    seen.add(bucket);
    t.equal(answers.get('promo')!.variant, bucket === 'treatment' ? 'on' : 'off', `user-${i}: ${bucket}`);
  }
  t.same([...seen].sort(), ['control', 'treatment'], 'both buckets are met');
  const treated = [...Array(40).keys()].map((i) => `user-${i}`);
  for (const targetingKey of treated.slice(0, 4)) {
    const promo = await one('promo', { targetingKey });
    const experiment = await one('experiment', { targetingKey });
    t.equal(promo.variant, experiment.variant === 'treatment' ? 'on' : 'off', 'the fast path agrees');
  }
  const noKey = await everywhere(t, 'promo', {});
  t.equal(noKey.variant, 'off', 'no targeting key: the split serves control, so promo is held off');
});

t.test('an archived prerequisite is not met; restored, it is again', async (t) => {
  await createFlag(app, { environment: ENV, key: 'base', enabled: true });
  await createFlag(app, {
    environment: ENV,
    key: 'top',
    enabled: true,
    prerequisites: [{ flag: 'base', variants: ['on'] }],
  });
  t.same((await everywhere(t, 'top')).variant, 'on');
  const url = (key: string, action = '') => `/api/admin/flags/${key}${action}?environment=${ENV}`;
  t.equal((await app.inject({ method: 'DELETE', url: url('top'), headers: admin })).statusCode, 204);
  t.equal((await app.inject({ method: 'DELETE', url: url('base'), headers: admin })).statusCode, 204);
  t.equal(
    (await app.inject({ method: 'POST', url: url('top', '/restore'), headers: admin })).statusCode,
    200,
  );
  t.same(
    await everywhere(t, 'top'),
    { value: false, reason: 'DISABLED', variant: 'off', metadata: {} },
    'its prerequisite is archived: held off',
  );
  t.equal(
    (await app.inject({ method: 'POST', url: url('base', '/restore'), headers: admin })).statusCode,
    200,
  );
  t.same(await everywhere(t, 'top'), { value: true, reason: 'STATIC', variant: 'on', metadata: {} });
});
