// Overload answers: past a limit, 503 with Retry-After on the API while probes and metrics answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { ADMIN_TOKEN, admin, buildTestApp } from '../helpers/app.ts';

t.test('past the heap limit: 503 with Retry-After, while liveness and metrics still answer', async (t) => {
  const { app } = await buildTestApp(t, { env: { MAX_HEAP_USED_BYTES: '1' } });
  await app.ready();
  // under-pressure samples memory on an interval; wait for the first sample to land.
  let res = await app.inject({ url: '/api/config/flags', headers: admin });
  for (let i = 0; i < 100 && res.statusCode !== 503; i++) {
    await new Promise((r) => setTimeout(r, 20));
    res = await app.inject({ url: '/api/config/flags', headers: admin });
  }
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '5');
  t.match(res.json(), {
    code: 'OVERLOADED',
    message: /overloaded \(heapUsedBytes\)\. Retry after 5 seconds/,
  });
  t.equal((await app.inject({ url: '/health/ready' })).statusCode, 503, 'readiness takes it out of rotation');
  t.equal((await app.inject({ url: '/health/live' })).statusCode, 200, 'liveness does not get it killed');
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 200, 'metrics can still be scraped');
});

t.test('with the default limits a normal request passes', async (t) => {
  const { app } = await buildTestApp(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '1000' } });
  t.equal((await app.inject({ url: '/api/config/flags', headers: admin })).statusCode, 200);
});

t.test('a start that blocks the event loop is not taken for overload', async (t) => {
  // Creating an embedded database runs initdb in WebAssembly, blocking the loop for seconds.
  const dir = mkdtempSync(join(tmpdir(), 'flagstone-pressure-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN, DATA_DIR: dir }));
  t.teardown(() => app.close());
  await app.ready();
  const res = await app.inject({ url: '/api/config/flags', headers: admin });
  t.equal(res.statusCode, 200, res.body);
});
