// What reaches the log: request ids, no secrets, and 5xx detail kept out of responses.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger, loggerOptions } from '../src/logger.ts';
import { ADMIN_TOKEN, admin } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';

const lines: Record<string, unknown>[] = [];
const stream = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
const db = await createTestDatabase();
const app = await buildApp(
  loadConfig({ ...db.env, ADMIN_TOKEN, LOG_LEVEL: 'debug', MAX_EVENT_LOOP_DELAY_MS: '0' }),
  {
    logger: { ...loggerOptions('debug'), stream },
  },
);
t.teardown(async () => {
  await app.close();
  await db.drop();
});

t.test('secrets never reach the log; auth headers are redacted', async (t) => {
  const minted = await app.inject({
    method: 'POST',
    url: '/api/admin/tokens',
    headers: { ...admin, 'x-request-id': 'mint-1' },
    payload: { name: 'svc', scope: 'read' },
  });
  const { token } = minted.json();
  await app.inject({ url: '/api/config/flags', headers: { 'x-api-key': token, 'x-request-id': 'read-1' } });
  const text = JSON.stringify(lines);
  t.notOk(text.includes(ADMIN_TOKEN), 'the admin token is not logged');
  t.notOk(text.includes(token), 'a minted secret is not logged');
  const mint = lines.find((l) => l.reqId === 'mint-1' && l.msg === 'request completed') as {
    req: { headers: Record<string, string> };
  };
  t.equal(mint.req.headers.authorization, '[redacted]');
  const read = lines.find((l) => l.reqId === 'read-1' && l.msg === 'request completed') as {
    req: { headers: Record<string, string> };
  };
  t.equal(read.req.headers['x-api-key'], '[redacted]');
});

t.test('an unexpected failure is a 500 without internals, logged with its request id', async (t) => {
  const getFlag = app.flags.getFlag;
  t.teardown(() => {
    app.flags.getFlag = getFlag;
  });
  app.flags.getFlag = async () => {
    throw new Error('connection reset by peer at 10.0.0.7');
  };
  const res = await app.inject({
    url: '/api/config/flags/x',
    headers: { ...admin, 'x-request-id': 'boom-1' },
  });
  t.equal(res.statusCode, 500);
  t.match(res.json(), { code: 'INTERNAL_ERROR', message: /request id boom-1/ });
  t.notMatch(res.body, /10\.0\.0\.7/, 'no internal detail in the response');
  const logged = lines.find((l) => l.reqId === 'boom-1' && l.level === 50) as { err: { message: string } };
  t.match(logged.err.message, /10\.0\.0\.7/, 'the detail is in the log');
});

t.test('loggers are pino children created only when something is logged', async (t) => {
  const out: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      out.push(JSON.parse(String(chunk)));
      done();
    },
  });
  let children = 0;
  const root = createLogger({ ...loggerOptions('info'), stream: sink, onChild: () => children++ }) as Logger;
  const appLog = root.child({}, {});
  const request = appLog.child({ reqId: 'r-1' }, {});
  request.debug('below the level');
  t.equal(children, 0, 'nothing logged, no child made');
  t.notOk(request.isLevelEnabled('debug'));
  request.info({ token: 'fs_secret' }, 'logged');
  t.equal(children, 2, 'the app logger and the request logger, once each');
  t.match(out, [{ reqId: 'r-1', msg: 'logged', token: '[redacted]' }]);
  const verbose = appLog.child({ reqId: 'r-2' }, { level: 'debug' });
  t.ok(verbose.isLevelEnabled('debug'), "a child's own level counts before it exists");
  verbose.debug('shown');
  t.match(out[1], { reqId: 'r-2', msg: 'shown' });
});
