// Many clients send Content-Type: application/json on every request: to a route that takes no
// body (a DELETE, a POST that takes nothing), an empty body under that content type is no body.
// Each way of sending one (inject, a plain HTTP request, chunked, Node's fetch), with and
// without a charset, on each such route.
import { request as httpRequest } from 'node:http';
import t from 'tap';
import { admin, buildListeningApp, createFlag, createSegment, mintToken } from '../helpers/app.ts';

const { app, base } = await buildListeningApp(t);

const TYPES = ['application/json', 'application/json; charset=utf-8'];

type Send = (method: string, url: string, type: string) => Promise<{ status: number; body: string }>;

const transports: Record<string, Send> = {
  async inject(method, url, type) {
    const res = await app.inject({
      method: method as 'DELETE',
      url,
      headers: { ...admin, 'content-type': type },
    });
    return { status: res.statusCode, body: res.body };
  },
  'HTTP, Content-Length: 0': (method, url, type) =>
    overHttp(method, url, { 'content-type': type, 'content-length': '0' }),
  'HTTP, chunked and empty': (method, url, type) =>
    overHttp(method, url, { 'content-type': type, 'transfer-encoding': 'chunked' }),
  async fetch(method, url, type) {
    const res = await fetch(base + url, { method, headers: { ...admin, 'content-type': type } });
    return { status: res.status, body: await res.text() };
  },
};

function overHttp(method: string, url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${base}${url}`, { method, headers: { ...admin, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The bodiless routes, each with a way to make the thing it acts on (a fresh one per request). */
const routes: { method: string; what: string; target: (n: string) => Promise<string> }[] = [
  {
    method: 'DELETE',
    what: 'a flag',
    target: async (n) => `/api/admin/flags/${(await createFlag(app, { key: `flag-${n}` })).key}`,
  },
  {
    method: 'DELETE',
    what: 'a segment',
    target: async (n) =>
      `/api/admin/segments/${(await createSegment(app, { key: `segment-${n}`, conditions: [] })).key}`,
  },
  {
    method: 'DELETE',
    what: 'a token',
    target: async (n) =>
      `/api/admin/tokens/${(await mintToken(app, { name: `token-${n}`, scope: 'read' })).id}`,
  },
  { method: 'DELETE', what: 'the session (sign-out)', target: async () => '/api/session' },
];

let sequence = 0;
for (const { method, what, target } of routes) {
  t.test(`${method} ${what} with a JSON content type and no body`, async (t) => {
    for (const [transport, send] of Object.entries(transports)) {
      for (const type of TYPES) {
        const url = await target(String(++sequence));
        const res = await send(method, url, type);
        t.equal(res.status, 204, `${transport}, ${type}: ${res.body}`);
      }
    }
  });
}

t.test('no route that takes no body refuses an empty one under a JSON content type', async (t) => {
  const { paths } = (await app.inject({ url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  const bodiless = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method, operation]) => method !== 'get' && operation.requestBody === undefined)
      .map(([method]) => ({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'missing') })),
  );
  t.ok(bodiless.length >= 4, `${bodiless.length} bodiless routes`);
  for (const { method, url } of bodiless) {
    for (const type of TYPES) {
      const res = await transports.inject!(method, url, type);
      t.notMatch(res.body, /INVALID_JSON/, `${method} ${url} (${type}) answers ${res.status}`);
    }
  }
});

t.test('a route that takes a body still needs one', async (t) => {
  for (const type of TYPES) {
    const res = await transports['HTTP, Content-Length: 0']!('POST', '/api/admin/flags', type);
    t.equal(res.status, 400);
    t.match(JSON.parse(res.body), { code: 'INVALID_JSON' });
  }
});
