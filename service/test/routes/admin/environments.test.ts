import t from 'tap';
import { admin, buildTestApp, createFlag } from '../../helpers/app.ts';

const { app } = await buildTestApp(t);

t.test('the first migration creates production, staging and development', async (t) => {
  const res = await app.inject({ url: '/api/admin/environments', headers: admin });
  t.equal(res.statusCode, 200);
  t.same(
    res.json().environments.map((e: { key: string }) => e.key),
    ['development', 'production', 'staging'],
  );
});

t.test('a new environment takes flags and reads at once', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/environments',
    headers: admin,
    payload: { key: 'qa' },
  });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { key: 'qa', revision: 0 });
  await createFlag(app, { key: 'qa-only', environment: 'qa', type: 'boolean', defaultValue: true });
  const list = await app.inject({ url: '/api/config/flags?environment=qa', headers: admin });
  t.match(list.json(), { environment: 'qa', revision: 1, flags: [{ key: 'qa-only' }] });
  const audit = await app.inject({ url: '/api/admin/audit?environment=qa', headers: admin });
  t.same(
    audit.json().events.map((e: { action: string }) => e.action),
    ['flag.created', 'environment.created'],
  );
});
