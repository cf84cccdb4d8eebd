// What the web UI needs from the admin API beyond flags and segments themselves: the playground
// (POST /api/admin/flags/:key/evaluate answers exactly what OFREP answers for the same flag and
// context) and the flags that use a segment.
import t from 'tap';
import { admin, buildTestApp, createFlag, createSegment } from '../helpers/app.ts';

t.test('the playground answers what OFREP answers, status and body', async (t) => {
  const { app } = await buildTestApp(t);
  await createSegment(app, {
    key: 'staff',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  await createFlag(app, { key: 'switch' });
  await createFlag(app, { key: 'on-switch', enabled: true });
  await createFlag(app, {
    key: 'checkout',
    type: 'string',
    enabled: true,
    variants: { old: 'old', new: 'new', beta: 'beta' },
    defaultVariant: 'old',
    rules: [
      { segments: ['staff'], variant: 'beta' },
      { conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }], variant: 'new' },
      {
        split: [
          { variant: 'old', weight: 5000 },
          { variant: 'new', weight: 5000 },
        ],
      },
    ],
  });
  await createFlag(app, { key: 'no-default', type: 'number', enabled: true, variants: { one: 1 } });
  const contexts = [
    {},
    { targetingKey: 'u1' },
    { targetingKey: 'u2', email: 'ann@example.com' },
    { targetingKey: 'u3', country: 'DE' },
    { country: 'US' },
    { targetingKey: 42 },
  ];
  for (const key of ['switch', 'on-switch', 'checkout', 'no-default', 'missing']) {
    for (const context of contexts) {
      const ofrep = await app.inject({
        method: 'POST',
        url: `/ofrep/v1/evaluate/flags/${key}`,
        headers: admin,
        payload: { context },
      });
      const playground = await app.inject({
        method: 'POST',
        url: `/api/admin/flags/${key}/evaluate`,
        headers: admin,
        payload: { context },
      });
      const what = `${key} ${JSON.stringify(context)}`;
      t.equal(playground.statusCode, ofrep.statusCode, what);
      t.same(playground.json(), ofrep.json(), what);
    }
  }
  const beta = await app.inject({
    method: 'POST',
    url: '/api/admin/flags/checkout/evaluate',
    headers: admin,
    payload: { context: { targetingKey: 'u2', email: 'ann@example.com' } },
  });
  t.match(beta.json(), { key: 'checkout', value: 'beta', variant: 'beta', reason: 'TARGETING_MATCH' });

  const refused = await app.inject({
    method: 'POST',
    url: '/api/admin/flags/checkout/evaluate',
    headers: admin,
    payload: { context: ['not', 'an', 'object'] },
  });
  t.equal(refused.statusCode, 400);
  t.match(refused.json().message, /context/);
});

t.test('a segment names the live flags whose rules use it', async (t) => {
  const { app } = await buildTestApp(t);
  const segment = (key: string) => ({
    key,
    conditions: [{ attribute: 'plan', operator: 'equals', value: key }],
  });
  for (const key of ['pro', 'free']) {
    await createSegment(app, segment(key));
  }
  const usingPro = (key: string) => ({ key, enabled: true, rules: [{ segments: ['pro'], variant: 'off' }] });
  await createFlag(app, usingPro('b-flag'));
  await createFlag(app, usingPro('a-flag'));
  await createFlag(app, usingPro('gone'));
  await app.inject({ method: 'DELETE', url: '/api/admin/flags/gone', headers: admin });
  const pro = await app.inject({ url: '/api/admin/segments/pro', headers: admin });
  t.equal(pro.statusCode, 200);
  t.match(pro.json(), { key: 'pro', conditions: [{ attribute: 'plan' }], usedBy: ['a-flag', 'b-flag'] });
  t.same((await app.inject({ url: '/api/admin/segments/free', headers: admin })).json().usedBy, []);
  const missing = await app.inject({ url: '/api/admin/segments/none', headers: admin });
  t.equal(missing.statusCode, 404);
});

t.test('a segment change with If-Match is made only while nobody changed it since', async (t) => {
  const { app } = await buildTestApp(t);
  const url = '/api/admin/segments/pro';
  const conditions = (value: string) => [{ attribute: 'plan', operator: 'equals', value }];
  await createSegment(app, { key: 'pro', conditions: conditions('pro') });
  const first = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...admin, 'if-match': '1' },
    payload: { conditions: conditions('pro-2024') },
  });
  t.equal(first.statusCode, 200);
  t.equal(first.json().version, 2);
  const stale = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...admin, 'if-match': '"1"' },
    payload: { conditions: conditions('stale') },
  });
  t.equal(stale.statusCode, 412);
  t.match(stale.json(), {
    code: 'VERSION_MISMATCH',
    message:
      "Segment 'pro' is at version 2, not 1: someone changed it first. Read it again and retry with If-Match: 2.",
  });
  const now = (await app.inject({ url, headers: admin })).json();
  t.match(now, { version: 2, conditions: [{ value: 'pro-2024' }] }, 'the stale change wrote nothing');
});
