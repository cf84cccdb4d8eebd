// What the infrastructure relies on (service/src/contract.ts) is what the service does.
import t from 'tap';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_PORT, LIVENESS_PATH, READINESS_PATH, SYNC_HEALTH_SERVICE } from '../src/contract.ts';
import { buildTestApp } from './helpers/app.ts';
import { syncClients } from './helpers/sync-client.ts';

t.test("the port and the health paths the stacks wire are the service's own", async (t) => {
  t.equal(loadConfig({}).PORT, DEFAULT_PORT);
  const { app } = await buildTestApp(t);
  const live = await app.inject({ url: LIVENESS_PATH });
  t.equal(live.statusCode, 200);
  t.same(live.json(), { status: 'ok' });
  const ready = await app.inject({ url: READINESS_PATH });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ready', checks: { database: 'up' } });
});

t.test('the sync health service the stacks probe is the one the sync port answers', async (t) => {
  const { app } = await buildTestApp(t, { env: { SYNC_PORT: '0' } });
  t.equal(await syncClients(t, app.sync.port!).check(SYNC_HEALTH_SERVICE), 'SERVING');
});
