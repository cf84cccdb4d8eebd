// CORS (CORS_ORIGINS) for the read and OFREP APIs: preflight, allowed and other origins, the same
// headers from the fast path as from the route; the admin API stays same-origin; off by default.
import t from 'tap';
import { admin, bearer, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';
import { bothTransports } from '../helpers/both-transports.ts';

const APP = 'https://app.example.com';
const { app } = await buildTestApp(t, { env: { CORS_ORIGINS: `${APP},http://localhost:5173` } });
await createFlag(app, { key: 'banner', enabled: true });
const { token } = await mintToken(app, { name: 'web', scope: 'read' });
const send = await bothTransports(t, app);

t.test(
  'an allowed origin may read and evaluate, and read the ETag; the fast path says the same',
  async (t) => {
    for (const origin of [APP, 'http://localhost:5173']) {
      const read = await send({ url: '/api/config/flags/banner', headers: { ...bearer(token), origin } });
      t.equal(read.statusCode, 200);
      t.equal(read.headers['access-control-allow-origin'], origin);
      t.equal(read.headers.vary, 'Origin');
      t.match(read.headers['access-control-expose-headers'], /ETag/);
      const evaluated = await send({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/banner',
        headers: { ...bearer(token), origin },
        payload: { context: {} },
      });
      t.equal(evaluated.headers['access-control-allow-origin'], origin);
      const bulk = await send({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags',
        headers: { ...bearer(token), origin },
        payload: { context: {} },
      });
      t.equal(bulk.headers['access-control-allow-origin'], origin);
    }
    const refused = await send({ url: '/api/config/flags/banner', headers: { origin: APP } });
    t.equal(refused.statusCode, 401);
    t.equal(refused.headers['access-control-allow-origin'], APP, 'a page can read why it was refused');
  },
);

t.test('another origin gets no Access-Control-Allow-Origin, so its browser blocks the answer', async (t) => {
  for (const origin of ['https://evil.example.com', 'https://app.example.com:8443', 'null', `${APP}/`]) {
    const res = await send({ url: '/api/config/flags/banner', headers: { ...bearer(token), origin } });
    t.equal(res.headers['access-control-allow-origin'], undefined, origin);
    t.equal(res.headers.vary, 'Origin', 'caches keep answers per origin');
  }
  const none = await send({ url: '/api/config/flags/banner', headers: bearer(token) });
  t.equal(none.headers['access-control-allow-origin'], undefined, 'no Origin, no CORS answer');
});

t.test(
  'preflight: the methods and headers a provider sends, cached for ten minutes, without a token',
  async (t) => {
    for (const url of [
      '/ofrep/v1/evaluate/flags',
      '/ofrep/v1/evaluate/flags/banner',
      '/api/config/flags/banner',
    ]) {
      const res = await app.inject({
        method: 'OPTIONS',
        url,
        headers: {
          origin: APP,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,if-none-match',
        },
      });
      t.equal(res.statusCode, 204, url);
      t.equal(res.headers['access-control-allow-origin'], APP);
      t.equal(res.headers['access-control-allow-methods'], 'GET, POST');
      t.equal(
        res.headers['access-control-allow-headers'],
        'Authorization, X-API-Key, If-None-Match, Content-Type, Last-Event-ID',
      );
      t.equal(res.headers['access-control-max-age'], '600');
    }
    const other = await app.inject({
      method: 'OPTIONS',
      url: '/ofrep/v1/evaluate/flags',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    t.equal(other.headers['access-control-allow-origin'], undefined, 'another origin is not allowed');
  },
);

t.test('the admin API stays same-origin', async (t) => {
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/api/admin/flags',
    headers: { origin: APP, 'access-control-request-method': 'POST' },
  });
  t.equal(preflight.statusCode, 404);
  const list = await app.inject({ url: '/api/admin/flags', headers: { ...admin, origin: APP } });
  t.equal(list.statusCode, 200);
  t.equal(list.headers['access-control-allow-origin'], undefined);
});

t.test('without CORS_ORIGINS no origin is allowed and no CORS header is sent', async (t) => {
  const { app: plain } = await buildTestApp(t);
  await createFlag(plain, { key: 'banner', enabled: true });
  const sendPlain = await bothTransports(t, plain);
  const res = await sendPlain({ url: '/api/config/flags/banner', headers: { ...admin, origin: APP } });
  t.equal(res.statusCode, 200);
  t.notOk(Object.keys(res.headers).some((name) => name.startsWith('access-control-') || name === 'vary'));
  const preflight = await plain.inject({
    method: 'OPTIONS',
    url: '/ofrep/v1/evaluate/flags',
    headers: { origin: APP, 'access-control-request-method': 'POST' },
  });
  t.equal(preflight.statusCode, 404);
});
