import t from 'tap';
import { admin, bearer, buildTestApp, createFlag, mintToken } from '../../helpers/app.ts';
import { bothTransports } from '../../helpers/both-transports.ts';

const { app } = await buildTestApp(t);
const reader = await mintToken(app, { name: 'sdk', scope: 'read' });
const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
const evaluate = async (key: string, context: object) =>
  (
    await app.inject({
      method: 'POST',
      url: `/ofrep/v1/evaluate/flags/${key}`,
      headers: bearer(reader.token),
      payload: { context },
    })
  ).json();

t.test('create, read, list: audited, and the environment revision moves', async (t) => {
  const before = (await call('GET', '/api/admin/environments'))
    .json()
    .environments.find((e: { key: string }) => e.key === 'development').revision;
  const created = await call('POST', '/api/admin/segments', {
    key: 'internal',
    description: 'our own staff',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  t.equal(created.statusCode, 201);
  t.match(created.json(), {
    key: 'internal',
    environment: 'development',
    version: 1,
    conditions: [{ operator: 'ends_with' }],
  });
  t.match((await call('GET', '/api/admin/segments/internal')).json(), { key: 'internal' });
  t.match((await call('GET', '/api/admin/segments')).json(), { segments: [{ key: 'internal' }] });
  const after = (await call('GET', '/api/admin/environments'))
    .json()
    .environments.find((e: { key: string }) => e.key === 'development').revision;
  t.equal(after, before + 1);
  const audit = await call('GET', '/api/admin/audit?environment=development&limit=1');
  t.match(audit.json().events[0], {
    action: 'segment.created',
    actor: 'bootstrap',
    after: { key: 'internal' },
  });
  t.equal((await call('POST', '/api/admin/segments', { key: 'internal', conditions: [] })).statusCode, 409);
  t.equal((await call('GET', '/api/admin/segments/nope')).json().code, 'SEGMENT_NOT_FOUND');
  t.equal((await call('GET', '/api/admin/segments/x?environment=moon')).json().code, 'ENVIRONMENT_NOT_FOUND');
});

t.test(
  'a flag targets a segment by reference: changing the segment changes the answers, one revision, no flag version',
  async (t) => {
    await createFlag(app, {
      key: 'staff-preview',
      type: 'boolean',
      enabled: true,
      variants: { on: true, off: false },
      defaultVariant: 'off',
      rules: [{ segments: ['internal'], variant: 'on' }],
    });
    t.match(await evaluate('staff-preview', { email: 'ada@example.com' }), {
      value: true,
      reason: 'TARGETING_MATCH',
    });
    t.match(await evaluate('staff-preview', { email: 'bob@elsewhere.org' }), {
      value: false,
      reason: 'DEFAULT',
    });

    const revision = async () =>
      (await call('GET', '/api/admin/environments'))
        .json()
        .environments.find((e: { key: string }) => e.key === 'development').revision as number;
    const before = await revision();
    const changed = await call('PATCH', '/api/admin/segments/internal', {
      conditions: [{ attribute: 'email', operator: 'ends_with', value: '@elsewhere.org' }],
    });
    t.equal(changed.statusCode, 200);
    t.equal(changed.json().version, 2);
    t.match(
      await evaluate('staff-preview', { email: 'bob@elsewhere.org' }),
      { value: true },
      'the cache took the change',
    );
    t.match(await evaluate('staff-preview', { email: 'ada@example.com' }), { value: false });
    const flag = (await app.inject({ url: '/api/config/flags/staff-preview', headers: admin })).json();
    t.equal(flag.version, 1, 'the flag itself did not change');
    t.equal(await revision(), before + 1, 'one revision');
    const history = (await call('GET', '/api/admin/flags/staff-preview/history')).json().events;
    t.same(
      history.map((e: { action: string }) => e.action),
      ['flag.created'],
      'nothing written for the flag',
    );
    const [event] = (await call('GET', '/api/admin/audit?environment=development&limit=1')).json().events;
    t.match(event, { action: 'segment.updated', segmentKey: 'internal', version: 2, revision: before + 1 });
  },
);

t.test('a segment in use cannot be deleted; an unused one can', async (t) => {
  const inUse = await call('DELETE', '/api/admin/segments/internal');
  t.equal(inUse.statusCode, 409);
  t.match(inUse.json(), { code: 'SEGMENT_IN_USE', message: /'staff-preview'/ });
  await call('POST', '/api/admin/segments', { key: 'unused', conditions: [] });
  t.equal((await call('DELETE', '/api/admin/segments/unused')).statusCode, 204);
  t.equal((await call('GET', '/api/admin/segments/unused')).statusCode, 404);
});

t.test('conditions are checked: a clear 400 and nothing stored', async (t) => {
  const bad = await call('POST', '/api/admin/segments', {
    key: 'bad',
    conditions: [{ attribute: 'age', operator: 'gt', value: 'eighteen' }],
  });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { code: 'INVALID_SEGMENT', message: /conditions\[0\]/ });
  t.equal((await call('GET', '/api/admin/segments/bad')).statusCode, 404);
  const unknownOperator = await call('POST', '/api/admin/segments', {
    key: 'bad',
    conditions: [{ attribute: 'age', operator: 'older_than', value: 1 }],
  });
  t.equal(unknownOperator.statusCode, 400);
  t.equal(unknownOperator.json().code, 'VALIDATION_ERROR');
});

t.test('an empty segment holds no one: a rule naming it matches no context, on every path', async (t) => {
  const send = await bothTransports(t, app);
  await call('POST', '/api/admin/segments', { key: 'nobody-yet', conditions: [] });
  await createFlag(app, {
    key: 'empty-segment-rule',
    type: 'string',
    enabled: true,
    variants: { targeted: 'T', rest: 'R' },
    defaultVariant: 'rest',
    rules: [{ segments: ['nobody-yet'], variant: 'targeted' }],
  });
  const contexts = [{}, { targetingKey: 'u1' }, { targetingKey: 'u2', country: 'fr', plan: 'gold' }];
  const ofrep = (url: string, context: object) =>
    send({ method: 'POST', url, headers: bearer(reader.token), payload: { context } });
  for (const context of contexts) {
    const one = await ofrep('/ofrep/v1/evaluate/flags/empty-segment-rule', context);
    t.match(one.json(), { value: 'R', variant: 'rest', reason: 'DEFAULT' }, 'OFREP, one flag');
    // Twice: the first read may load the snapshot, the second is answered from the held one.
    const again = await ofrep('/ofrep/v1/evaluate/flags/empty-segment-rule', context);
    t.match(again.json(), { reason: 'DEFAULT' }, 'OFREP, one flag, held');
    const bulk = (await ofrep('/ofrep/v1/evaluate/flags', context)).json();
    t.match(
      bulk.flags.find((f: { key: string }) => f.key === 'empty-segment-rule'),
      { value: 'R', reason: 'DEFAULT' },
      'OFREP, bulk',
    );
    const playground = await call('POST', '/api/admin/flags/empty-segment-rule/evaluate', { context });
    t.match(playground.json(), { value: 'R', reason: 'DEFAULT' }, 'the admin playground');
  }
  // Given a condition, the segment holds those it describes, and the rule serves them.
  await call('PATCH', '/api/admin/segments/nobody-yet', {
    conditions: [{ attribute: 'plan', operator: 'equals', value: 'gold' }],
  });
  t.match((await ofrep('/ofrep/v1/evaluate/flags/empty-segment-rule', contexts[2]!)).json(), {
    value: 'T',
    reason: 'TARGETING_MATCH',
  });
  t.match((await ofrep('/ofrep/v1/evaluate/flags/empty-segment-rule', contexts[1]!)).json(), {
    reason: 'DEFAULT',
  });
});
