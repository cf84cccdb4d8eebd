// The real server process with the embedded default (no DATABASE_URL, no ADMIN_TOKEN), over HTTP.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { within } from './helpers/app.ts';
import { SERVER, startServer as start, stopServer as stop } from './helpers/server-process.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'flagstone-server-'));
t.teardown(() => rm(dataDir, { recursive: true, force: true }));
let token: string | undefined;
// The lifecycle with every default but the overload check, which a host busy with other tests
// can trip in the first seconds (the embedded database's start blocks the loop); the check has
// tests of its own.
const LIFECYCLE = { MAX_EVENT_LOOP_DELAY_MS: '0' };

t.test(
  'first start: embedded database, a printed admin token, the whole flag lifecycle over HTTP',
  async (t) => {
    const server = await start({ DATA_DIR: dataDir, ...LIFECYCLE });
    t.teardown(() => server.child.kill('SIGKILL'));
    t.comment(`first start (initdb + migrations): ${server.startupMs} ms`);
    token = server.lines.join('\n').match(/shown only this once: (fs_[\w-]+)/)?.[1];
    t.ok(token, 'the admin token is printed');
    t.match(server.lines.join('\n'), /"database":"embedded"/);
    const ui = await fetch(`${server.base}/ui/`);
    t.equal(ui.status, 200, 'the web UI is served, built ahead');
    t.match(await ui.text(), /<script type="module"[^>]* src="\/ui\/assets\/index-[\w-]+\.js">/);
    await within(10_000, async () => server.lines.some((line) => line.includes('flagstone ready')));
    t.match(
      server.lines.join('\n'),
      new RegExp(`flagstone ready: the web UI is at ${server.base}/ui/`),
      'the log says where the web UI is',
    );

    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${server.base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      });
    const created = await call('/api/admin/flags', {
      method: 'POST',
      body: JSON.stringify({ key: 'new-checkout', type: 'boolean', defaultValue: false, enabled: true }),
    });
    t.equal(created.status, 201);
    t.match(await (await call('/api/config/flags/new-checkout')).json(), { enabled: true });
    const list = await call('/api/config/flags');
    const etag = list.headers.get('etag')!;
    t.equal(list.status, 200);
    t.equal((await call('/api/config/flags', { headers: { 'if-none-match': etag } })).status, 304);
    const patched = await call('/api/admin/flags/new-checkout', {
      method: 'PATCH',
      headers: { 'if-match': '1' },
      body: JSON.stringify({ enabled: false }),
    });
    t.equal(patched.status, 200);
    t.match(await patched.json(), { version: 2 });

    // A request still sending its body when SIGTERM arrives is served before the process exits.
    const inFlight = request(`${server.base}/api/admin/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const answered = once(inFlight, 'response') as Promise<[IncomingMessage]>;
    inFlight.write('{"key": "drained", ');
    await sleep(100);
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    await sleep(200);
    inFlight.end('"type": "boolean", "defaultValue": true}');
    const [res] = await answered;
    t.equal(res.statusCode, 201, 'the in-flight request completes during shutdown');
    res.resume();
    t.same(await exited, [0, null], 'then a clean exit');
    t.match(server.lines.join('\n'), /"msg":"shutting down"/);
  },
);

t.test('restart: the data and the token persist, and no new token is printed', async (t) => {
  const server = await start({ DATA_DIR: dataDir, ...LIFECYCLE });
  t.teardown(() => server.child.kill('SIGKILL'));
  t.comment(`restart: ${server.startupMs} ms`);
  t.notMatch(server.lines.join('\n'), /shown only this once/);
  const flag = await fetch(`${server.base}/api/config/flags/drained`, {
    headers: { authorization: `Bearer ${token}` },
  });
  t.equal(flag.status, 200, 'the first token still works, and the drained write was kept');
  t.match(await flag.json(), { key: 'drained', version: 1 });
  t.equal(await stop(server), 0);
});

t.test('a bad setting stops the start with one line naming it, and exit code 1', async (t) => {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', PORT: 'eighty', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'exit');
  t.equal(code, 1);
  t.equal(stderr, 'flagstone: PORT must be a TCP port, 0-65535; got "eighty"\n');
});
