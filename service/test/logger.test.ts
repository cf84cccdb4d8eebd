// What reaches the log: request ids, no secrets (in headers, URLs or messages), 5xx detail kept
// out of responses, and no error line for a client that went away.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyPluginAsync, preParsingHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { createLogger, loggerOptions, redactUrls } from '../src/logger.ts';
import { reproduced } from '../src/routes/hot-routes.ts';
import { ADMIN_TOKEN, admin, bearer, createFlag, mintToken, within } from './helpers/app.ts';
import { createTestDatabase } from './helpers/database.ts';

interface Line {
  level: number;
  msg?: string;
  reqId?: string;
  req?: { url: string; headers: Record<string, string> };
  err?: { message: string };
  [field: string]: unknown;
}

/** A log destination and the lines written to it, parsed. */
function capture() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

/** An app of its own on a fresh database, listening, whose log is captured. */
async function loggedApp(
  t: Test,
  level: Config['LOG_LEVEL'],
  { env = {}, plugins = [] }: { env?: Record<string, string>; plugins?: FastifyPluginAsync[] } = {},
) {
  const { lines, stream } = capture();
  const db = await createTestDatabase();
  const config = loadConfig({
    ...db.env,
    ADMIN_TOKEN,
    LOG_LEVEL: level,
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const app = await buildApp(config, { logger: { ...loggerOptions(level), stream }, plugins });
  t.teardown(async () => {
    await app.close();
    await db.drop();
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, lines, base: address, port: Number(new URL(address).port) };
}

const { lines, stream } = capture();
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

t.test('credentials in URLs and messages are redacted, and only they', async (t) => {
  const cases: [string, string][] = [
    ['/ofrep/v1/events?ticket=v1~abc~def', '/ofrep/v1/events?ticket=[redacted]'],
    [
      '/api/session/oidc/callback?code=one-time-code&state=abc',
      '/api/session/oidc/callback?code=[redacted]&state=abc',
    ],
    [
      '/api/config/flags?environment=production&api_key=k1&apiKey=k2&access_token=k3&Token=k4',
      '/api/config/flags?environment=production&api_key=[redacted]&apiKey=[redacted]&access_token=[redacted]&Token=[redacted]',
    ],
    [
      '/x?%74icket=s&key=s&x-api-key=s&q=ticket',
      '/x?%74icket=[redacted]&key=[redacted]&x-api-key=[redacted]&q=ticket',
    ],
    [
      'Reply was already sent, did you forget to "return reply" in the "/ofrep/v1/events?ticket=v1~s" (GET) route?',
      'Reply was already sent, did you forget to "return reply" in the "/ofrep/v1/events?ticket=[redacted]" (GET) route?',
    ],
    [
      '/ofrep/v1/evaluate/flags?flagConfigEtag=%22development-3%22',
      '/ofrep/v1/evaluate/flags?flagConfigEtag=%22development-3%22',
    ],
    ['/api/config/flags/banner', '/api/config/flags/banner'],
  ];
  for (const [url, logged] of cases) t.equal(redactUrls(url), logged, url);
});

t.test(
  'no event-stream ticket or query token reaches the log, at any level: streams ended by revocation and by shutdown',
  async (t) => {
    const { app, lines, base, port } = await loggedApp(t, 'debug', {
      env: { EVENTS_SIGNING_KEY: 'test-signing-key-0123456789abcdef0123' },
    });
    const secrets: string[] = [];
    /** A stream URL for a new read token, whose ticket is then looked for in the log. */
    async function streamUrl(name: string) {
      const web = await mintToken(app, { name, scope: 'read' });
      const res = await fetch(`${base}/ofrep/v1/evaluate/flags`, {
        method: 'POST',
        headers: { ...bearer(web.token), 'content-type': 'application/json' },
        body: '{"context":{}}',
      });
      const url = ((await res.json()) as { eventStreams: { url: string }[] }).eventStreams[0]!.url;
      secrets.push(new URL(url).searchParams.get('ticket')!);
      return { id: web.id, url };
    }
    /** Opens a stream and resolves, once it is logged, when the server ended it. */
    async function follow(url: string, requestId: string) {
      const res = await fetch(url, { headers: { 'x-request-id': requestId } });
      t.equal(res.status, 200);
      const ended = res.body!.pipeTo(new WritableStream()).catch(() => {});
      return async () => {
        await ended;
        await within(10_000, async () => lines.some((l) => l.reqId === requestId && 'req' in l));
      };
    }

    const revoked = await streamUrl('revoked');
    const endedByRevocation = await follow(revoked.url, 'stream-revoked');
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/admin/tokens/${revoked.id}`,
      headers: admin,
    });
    t.equal(revoke.statusCode, 204);
    await endedByRevocation();
    t.equal((await fetch(revoked.url)).status, 401, "a revoked token's ticket is refused, URL and all");

    for (const [name, value] of [
      ['api_key', 'query-secret-one'],
      ['apiKey', 'query-secret-two'],
      ['access_token', 'query-secret-three'],
      ['token', 'query-secret-four'],
    ]) {
      secrets.push(value!);
      const res = await fetch(`${base}/api/config/flags?${name}=${value}`, { headers: admin });
      t.equal(res.status, 400, `?${name}= is refused, and logged`);
    }
    // A request the HTTP parser refuses: its error carries the raw bytes, URL and all.
    const parserRefused = connect(port, '127.0.0.1');
    parserRefused.end(`GET /ofrep/v1/events?ticket=${secrets[0]} HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n`);
    await within(10_000, async () => lines.some((l) => l.msg === 'client error'));

    const shutdown = await streamUrl('shutdown');
    const endedByShutdown = await follow(shutdown.url, 'stream-shutdown');
    await app.close();
    await endedByShutdown();

    const text = JSON.stringify(lines);
    for (const secret of secrets) t.notOk(text.includes(secret), `${secret.slice(0, 12)}… is not in the log`);
    t.notOk(text.includes('rawPacket'), "no request's raw bytes are logged");
    for (const reqId of ['stream-revoked', 'stream-shutdown']) {
      const logged = lines.find((l) => l.reqId === reqId && 'req' in l) as { req: { url: string } };
      t.equal(logged.req.url, '/ofrep/v1/events?ticket=[redacted]', `${reqId}: logged, its ticket redacted`);
    }
  },
);

t.test('a bulk or single OFREP request whose body the client abandons logs no error', async (t) => {
  // Tells a test when the route starts reading a request's body, so it can go away right then.
  const reading = new Map<string, () => void>();
  const signal = fp(async (app) => {
    app.addHook(
      'preParsing',
      reproduced('telling the test the body is being read', ((request, _reply, payload, done) => {
        reading.get(request.id)?.();
        done(null, payload);
      }) as preParsingHookHandler),
    );
  });
  const { app, lines, port } = await loggedApp(t, 'debug', { plugins: [signal] });
  await createFlag(app, { key: 'banner' });
  const { token } = await mintToken(app, { name: 'svc', scope: 'read' });

  let aborted = 0;
  for (const path of ['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/banner']) {
    for (let i = 0; i < 5; i += 1) {
      aborted += 1;
      const requestId = `abandoned-${aborted}`;
      const read = new Promise<void>((resolve) => reading.set(requestId, resolve));
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nX-Request-Id: ${requestId}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"context":{"targetingKey":`,
      );
      await read;
      socket.destroy();
    }
  }
  // Each abandoned request is logged once, at debug; before, each was an error line.
  const about = () => lines.filter((l) => l.reqId?.startsWith('abandoned-'));
  await within(30_000, async () => about().length >= aborted);
  t.same(
    about().filter((l) => l.level > 20),
    [],
    'nothing above debug about the abandoned requests',
  );
  t.equal(
    about().filter((l) => l.msg === 'client went away before sending the whole request').length,
    aborted,
  );
  t.equal((await fetch(`http://127.0.0.1:${port}/health/ready`)).status, 200, 'the server stays healthy');
});

t.test('the fast evaluation path takes an abandoned body quietly too', async (t) => {
  // At info the fast path is on (at debug every request goes to the route, which logs it).
  const { app, lines, base } = await loggedApp(t, 'info');
  await createFlag(app, { key: 'banner' });
  const { token } = await mintToken(app, { name: 'svc', scope: 'read' });
  const evaluate = () =>
    fetch(`${base}/ofrep/v1/evaluate/flags/banner`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: '{"context":{}}',
    });
  t.equal((await evaluate()).status, 200, 'the token is now verified here: the fast path serves it');
  const port = Number(new URL(base).port);
  const logged = lines.length;
  for (let i = 0; i < 5; i += 1) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const received = new Promise((resolve) => app.server.once('request', resolve));
    socket.write(
      `POST /ofrep/v1/evaluate/flags/banner HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"context":`,
    );
    await received;
    socket.destroy();
  }
  await within(30_000, async () => {
    const open = await new Promise<number>((resolve) =>
      app.server.getConnections((_err, count) => resolve(count)),
    );
    return open <= 1;
  });
  const answered = await evaluate();
  t.equal(answered.status, 200, 'evaluations go on');
  t.same(
    lines.slice(logged).filter((l) => l.level >= 40),
    [],
    'no warning or error line',
  );
});
