// Contention and slow clients: a write that cannot take the environment's lock in time is a 503
// with Retry-After that changed nothing, never a 500; a request body that trickles in is cut
// off with a 408 once REQUEST_TIMEOUT_MS has passed, so it cannot hold a connection forever.
import { connect } from 'node:net';
import pg from 'pg';
import t from 'tap';
import { admin, buildTestApp, snapshot } from '../helpers/app.ts';

t.test('a write that waits too long for the lock: 503 DATABASE_BUSY, nothing changed', async (t) => {
  const { app, db } = await buildTestApp(t);
  if (db.kind !== 'postgresql')
    return t.skip('needs PostgreSQL: it holds a lock from a second connection', () => {});
  const before = await snapshot(app);
  const holder = new pg.Client({ connectionString: db.env.DATABASE_URL! });
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('BEGIN');
  await holder.query(`SELECT revision FROM environments WHERE key = 'development' FOR UPDATE`);
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: admin,
    payload: { key: 'late' },
  });
  t.comment(`answered after ${Math.round(performance.now() - started)} ms`);
  await holder.query('ROLLBACK');
  t.equal(res.statusCode, 503, res.body);
  t.equal(res.headers['retry-after'], '1');
  t.match(res.json(), {
    statusCode: 503,
    code: 'DATABASE_BUSY',
    message: /busy with other changes .* nothing was changed\. Retry in a second\./,
  });
  t.same(await snapshot(app), before, 'nothing changed');
  const retried = await app.inject({
    method: 'POST',
    url: '/api/admin/flags',
    headers: admin,
    payload: { key: 'late' },
  });
  t.equal(retried.statusCode, 201, 'the retry succeeds');
});

t.test('a body sent a byte at a time is cut off after REQUEST_TIMEOUT_MS with a 408', async (t) => {
  const { app } = await buildTestApp(t, { env: { REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  const body = JSON.stringify({ key: 'trickle' });
  socket.write(
    `POST /api/admin/flags HTTP/1.1\r\nHost: x\r\nAuthorization: ${admin.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  let sent = 0;
  const drip = setInterval(() => {
    if (sent < body.length - 1 && !socket.destroyed) socket.write(body[sent++]!);
  }, 300);
  t.teardown(() => clearInterval(drip));
  const started = performance.now();
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  clearInterval(drip);
  t.comment(
    `cut off after ${Math.round(performance.now() - started)} ms, ${sent} of ${body.length} bytes sent`,
  );
  const [head = '', answer = ''] = Buffer.concat(chunks).toString().split('\r\n\r\n');
  t.match(head, /^HTTP\/1\.1 408 Request Timeout/);
  t.match(JSON.parse(answer), {
    statusCode: 408,
    code: 'REQUEST_TIMEOUT',
    message: /did not arrive in time/,
  });
  const created = await app.inject({ url: '/api/admin/flags/trickle', headers: admin });
  t.equal(created.statusCode, 404, 'nothing was created');
});

t.test(
  'what counts as contention: Prisma transaction timeouts and PostgreSQL lock, deadlock and statement timeouts',
  async (t) => {
    const { Prisma } = await import('../../src/generated/prisma/client.ts');
    const { isContention } = await import('../../src/db/database.ts');
    const known = (code: string, sqlState?: string) =>
      new Prisma.PrismaClientKnownRequestError('x', {
        code,
        clientVersion: '7',
        meta: sqlState ? { driverAdapterError: { cause: { originalCode: sqlState } } } : {},
      });
    for (const err of [
      known('P2028'),
      known('P2034'),
      known('P2010', '55P03'),
      known('P2010', '40P01'),
      known('P2010', '40001'),
      known('P2010', '57014'),
    ])
      t.ok(isContention(err), `${err.code} ${JSON.stringify(err.meta)}`);
    for (const err of [known('P2002'), known('P2010', '23505'), new Error('P2028')])
      t.notOk(isContention(err), String((err as { code?: string }).code ?? err.message));
  },
);

t.test('200 concurrent creates over three instances: every one a 201 or a 503, never a 500', async (t) => {
  const { app: a, db } = await buildTestApp(t);
  if (db.kind !== 'postgresql') return t.skip('needs PostgreSQL: three instances share it', () => {});
  const { app: b } = await buildTestApp(t, { database: db });
  const { app: c } = await buildTestApp(t, { database: db });
  const apps = [a, b, c];
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from(
      { length: 200 },
      async (_, i) =>
        (
          await apps[i % 3]!.inject({
            method: 'POST',
            url: '/api/admin/flags',
            headers: admin,
            payload: { key: `many-${i}` },
          })
        ).statusCode,
    ),
  );
  const counts = Object.fromEntries(
    [...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length]),
  );
  t.comment(`${JSON.stringify(counts)} in ${Math.round(performance.now() - started)} ms`);
  t.same(
    Object.keys(counts).filter((s) => s !== '201' && s !== '503'),
    [],
    'only 201 and 503',
  );
  const listed = await a.inject({ url: '/api/admin/flags?limit=200&q=many-', headers: admin });
  t.equal(listed.json().flags.length, counts['201'], 'every 201 is a flag, and nothing else was created');
});
