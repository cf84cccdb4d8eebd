// What a flag serves in every state (DESIGN §5), the same through the read API, OFREP single
// evaluation (through the route and through the fast path) and OFREP bulk evaluation: off serves
// the off variant or no value; on serves a matching rule, else the default variant, else no value.
// No value means the caller's code default: a 200 with a reason and no `value` key at all.
import t from 'tap';
import { admin, bearer, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';

const { app } = await buildTestApp(t);
const { token } = await mintToken(app, { name: 'sdk', scope: 'read' });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

const VARIANTS = { red: '#f00', blue: '#00f', grey: '#888' };
const BETA = [{ conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }], variant: 'blue' }];
const beta = { targetingKey: 'u1', plan: 'beta' };
const free = { targetingKey: 'u1', plan: 'free' };

interface State {
  name: string;
  flag: Record<string, unknown>;
  context: object;
  served: { reason: string; variant?: string; value?: string };
}

const states: State[] = [
  {
    name: 'off, with an off variant',
    flag: { enabled: false, defaultVariant: 'red', offVariant: 'grey', rules: BETA },
    context: beta,
    served: { reason: 'DISABLED', variant: 'grey', value: '#888' },
  },
  {
    name: 'off, without an off variant',
    flag: { enabled: false, defaultVariant: 'red', rules: BETA },
    context: beta,
    served: { reason: 'DISABLED' },
  },
  {
    name: 'on, no rules, with a default variant',
    flag: { enabled: true, defaultVariant: 'red', offVariant: 'grey' },
    context: beta,
    served: { reason: 'STATIC', variant: 'red', value: '#f00' },
  },
  {
    name: 'on, no rules, without a default variant',
    flag: { enabled: true, offVariant: 'grey' },
    context: beta,
    served: { reason: 'STATIC' },
  },
  {
    name: 'on, a rule matches (with a default variant)',
    flag: { enabled: true, defaultVariant: 'red', rules: BETA },
    context: beta,
    served: { reason: 'TARGETING_MATCH', variant: 'blue', value: '#00f' },
  },
  {
    name: 'on, a rule matches (without a default variant)',
    flag: { enabled: true, rules: BETA },
    context: beta,
    served: { reason: 'TARGETING_MATCH', variant: 'blue', value: '#00f' },
  },
  {
    name: 'on, no rule matches, with a default variant',
    flag: { enabled: true, defaultVariant: 'red', offVariant: 'grey', rules: BETA },
    context: free,
    served: { reason: 'DEFAULT', variant: 'red', value: '#f00' },
  },
  {
    name: 'on, no rule matches, without a default variant',
    flag: { enabled: true, offVariant: 'grey', rules: BETA },
    context: free,
    served: { reason: 'DEFAULT' },
  },
];

const keyOf = (i: number) => `state-${i}`;
for (const [i, { flag }] of states.entries()) {
  await createFlag(app, { key: keyOf(i), type: 'string', variants: VARIANTS, ...flag });
}

const post = async (path: string, context: object) => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ context }),
  });
  return { status: res.status, text: await res.text() };
};
await post(`/ofrep/v1/evaluate/flags/${keyOf(0)}`, {}); // verifies the token, so the fast path may answer

/** The spec's success body for a state: `value` and `variant` only where there is a variant. */
const expected = (key: string, { reason, variant, value }: State['served']) =>
  variant === undefined ? { key, reason, metadata: {} } : { key, value, reason, variant, metadata: {} };

for (const [i, state] of states.entries()) {
  t.test(state.name, async (t) => {
    const key = keyOf(i);
    const want = expected(key, state.served);

    const read = await app.inject({ url: `/api/config/flags/${key}`, headers: bearer(token) });
    t.equal(read.statusCode, 200);
    t.match(
      read.json(),
      {
        enabled: state.flag.enabled,
        defaultVariant: state.flag.defaultVariant ?? null,
        offVariant: state.flag.offVariant ?? null,
        variants: VARIANTS,
      },
      'the read API shows the flag as stored',
    );

    const path = `/ofrep/v1/evaluate/flags/${key}`;
    const routed = await app.inject({
      method: 'POST',
      url: path,
      headers: bearer(token),
      payload: { context: state.context },
    });
    t.equal(routed.statusCode, 200, 'OFREP single, through the route');
    t.strictSame(routed.json(), want);
    t.notMatch(routed.body, /"value":null/, 'never "value": null');

    const fast = await post(path, state.context);
    t.equal(fast.status, 200, 'OFREP single, over HTTP');
    t.equal(fast.text, routed.body, 'the same bytes as the route');

    const bulk = await app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags',
      headers: bearer(token),
      payload: { context: state.context },
    });
    t.equal(bulk.statusCode, 200);
    t.strictSame(
      bulk.json().flags.find((f: { key: string }) => f.key === key),
      want,
      'OFREP bulk lists the flag, disabled or not, with the same answer',
    );
  });
}

t.test('the kill switch: turning a flag off stops serving its on value, for every API', async (t) => {
  await createFlag(app, {
    key: 'kill-me',
    type: 'boolean',
    enabled: true,
    variants: { on: true, off: false },
    defaultVariant: 'on',
  });
  const evaluate = () => post('/ofrep/v1/evaluate/flags/kill-me', { targetingKey: 'u1' });
  t.strictSame(JSON.parse((await evaluate()).text), {
    key: 'kill-me',
    value: true,
    reason: 'STATIC',
    variant: 'on',
    metadata: {},
  });
  const off = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/kill-me',
    headers: admin,
    payload: { enabled: false },
  });
  t.equal(off.statusCode, 200);
  t.strictSame(JSON.parse((await evaluate()).text), { key: 'kill-me', reason: 'DISABLED', metadata: {} });
  const read = await app.inject({ url: '/api/config/flags/kill-me', headers: bearer(token) });
  t.equal(read.json().enabled, false, 'the read API agrees: off');

  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/kill-me',
    headers: admin,
    payload: { offVariant: 'off' },
  });
  t.strictSame(
    JSON.parse((await evaluate()).text),
    {
      key: 'kill-me',
      value: false,
      reason: 'DISABLED',
      variant: 'off',
      metadata: {},
    },
    'with an off variant, that is what off serves',
  );
});

t.test('the plain switch: a key alone is a boolean on/off flag, off until enabled', async (t) => {
  const created = await createFlag(app, { key: 'new-checkout' });
  t.match(created, {
    type: 'boolean',
    enabled: false,
    variants: { on: true, off: false },
    defaultVariant: 'on',
    offVariant: 'off',
    defaultValue: true,
    version: 1,
  });
  const evaluate = async () => JSON.parse((await post('/ofrep/v1/evaluate/flags/new-checkout', {})).text);
  t.match(await evaluate(), { value: false, variant: 'off', reason: 'DISABLED' });
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/new-checkout',
    headers: admin,
    payload: { enabled: true },
  });
  t.match(await evaluate(), { value: true, variant: 'on', reason: 'STATIC' });
  const typed = await createFlag(app, { key: 'typed-switch', type: 'boolean', enabled: true });
  t.match(typed, {
    enabled: true,
    variants: { on: true, off: false },
    defaultVariant: 'on',
    offVariant: 'off',
  });
  const withDefault = await createFlag(app, { key: 'off-by-default', type: 'boolean', defaultValue: false });
  t.match(
    withDefault,
    { variants: { on: true, off: false }, defaultVariant: 'off', offVariant: 'off' },
    'defaultValue names the variant with that value',
  );
});

t.test('a defaultValue without a type makes a flag of its type', async (t) => {
  const created = await createFlag(app, { key: 'greeting', enabled: true, defaultValue: 'abc' });
  t.match(created, { type: 'string', variants: { default: 'abc' }, defaultVariant: 'default' });
  const evaluated = await post('/ofrep/v1/evaluate/flags/greeting', {});
  t.match(JSON.parse(evaluated.text), { value: 'abc', variant: 'default', reason: 'STATIC' });
});

t.test('defaultValue is shorthand for a default variant', async (t) => {
  const created = await createFlag(app, { key: 'limit', type: 'number', enabled: true, defaultValue: 10 });
  t.match(created, {
    variants: { default: 10 },
    defaultVariant: 'default',
    offVariant: null,
    defaultValue: 10,
  });
  const patch = (payload: object) =>
    app.inject({ method: 'PATCH', url: '/api/admin/flags/limit', headers: admin, payload });
  t.match(
    (await patch({ defaultValue: 20 })).json(),
    { variants: { default: 20 }, defaultVariant: 'default', defaultValue: 20 },
    'a new value for the default variant it made',
  );
  t.match(
    (await patch({ variants: { default: 20, high: 100 }, defaultValue: 100 })).json(),
    { defaultVariant: 'high', defaultValue: 100 },
    'a value a variant has names that variant',
  );
  t.match(
    (await patch({ defaultVariant: null })).json(),
    { defaultVariant: null, defaultValue: null },
    'no default variant: no default value',
  );
  const evaluated = await post('/ofrep/v1/evaluate/flags/limit', {});
  t.strictSame(JSON.parse(evaluated.text), { key: 'limit', reason: 'STATIC', metadata: {} });
});
