// Sends each request twice: through inject(), which always takes the Fastify route, and over real
// HTTP to the same app listening on loopback, where the fast path answers what it can once the
// instance is warm. The two answers must agree on status, every header but the connection's own,
// and body, and each must name the request id; the inject() answer is returned for the test's own
// assertions.
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions, LightMyRequestResponse as Response } from 'fastify';
import type { Test } from 'tap';
import type { buildApp } from '../../src/app.ts';

type App = Awaited<ReturnType<typeof buildApp>>;

/** Headers that describe the connection or the moment, not the answer. */
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive']);

const comparable = (headers: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !TRANSPORT_HEADERS.has(name))
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );

/** The body as bytes and the content type inject() would give it. */
function bodyOf({ payload, headers = {} }: InjectOptions): { body?: Buffer; type?: string } {
  if (payload === undefined) return {};
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) return { body: Buffer.from(payload) };
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return { body: Buffer.from(JSON.stringify(payload)), ...(hasType ? {} : { type: 'application/json' }) };
}

/** The path as inject() sends it: parsed as a URL, so a space is %20. */
const pathOf = ({ url }: InjectOptions) => {
  const parsed = new URL(String(url), 'http://localhost');
  return parsed.pathname + parsed.search;
};

/** Starts `app` on loopback and returns `send`, which answers as inject() does after comparing. */
export async function bothTransports(t: Test, app: App) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  let sequence = 0;

  function overHttp(options: InjectOptions, headers: Record<string, string>) {
    const { body, type } = bodyOf(options);
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            agent,
            method: options.method ?? 'GET',
            path: pathOf(options),
            headers: {
              ...headers,
              ...(type ? { 'content-type': type } : {}),
              ...(body ? { 'content-length': String(body.length) } : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode!,
                headers: res.headers,
                body: Buffer.concat(chunks).toString(),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  }

  return async function send(options: InjectOptions): Promise<Response> {
    // The same request id and host for both, so what echoes them (a header, a URL) is comparable.
    const headers = {
      'x-request-id': `both-${++sequence}`,
      host: 'flagstone.test',
      ...(options.headers as Record<string, string>),
    };
    const injected = await app.inject({ ...options, headers });
    const http = await overHttp(options, headers);
    t.strictSame(
      { status: http.status, headers: comparable(http.headers), body: http.body },
      { status: injected.statusCode, headers: comparable(injected.headers), body: injected.body },
      `inject and HTTP agree: ${options.method ?? 'GET'} ${options.url}`,
    );
    t.equal(injected.headers['x-request-id'], headers['x-request-id'], 'the answer names the request id');
    return injected;
  };
}
