// Live flags in a real browser: a page on another origin (its own loopback port) runs the OpenFeature web SDK with
// @openfeature/ofrep-web-provider 0.4.3 in Chromium against instance B of two, behind a
// loopback proxy that stands in for the load balancer. An admin change on instance A reaches
// the page through B's event stream (ConfigurationChanged, the new value); when B stops, the
// page's stream moves to A and a change made meanwhile still arrives. A disallowed origin is
// refused by the browser itself.

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { admin, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';
import { bundle, launchBrowser } from '../helpers/browser.ts';
import { findRedis, testPrefix } from '../helpers/redis.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';

/** Serves the test page from a real loopback origin of its own (another port is another origin). */
async function pageServer(t: Test, script: string) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>live flags</title></head><body><script type="module">${script}</script></body></html>`,
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Seen {
  value: boolean;
  at: number;
}

t.test('a flag flipped on one instance flips in a page following another', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const redis = await findRedis();
  if (!redis) {
    if (process.env.CI) t.fail('CI=true and this test needs Redis');
    else t.comment('skipped: needs Redis, which carries changes between instances within milliseconds');
    return;
  }
  const script = await bundle(new URL('./ofrep-live-page.ts', import.meta.url));
  const pageOrigin = await pageServer(t, script);
  const otherOrigin = await pageServer(t, script);
  const env = {
    REDIS_URL: redis,
    REDIS_KEY_PREFIX: testPrefix(t, redis),
    CORS_ORIGINS: pageOrigin,
    EVENTS_SIGNING_KEY: 'browser-test-signing-key-0123456789abcdef',
  };
  const { app: a, db } = await buildTestApp(t, { env });
  const { app: b } = await buildTestApp(t, { env, database: db });
  for (const app of [a, b]) await app.listen({ port: 0, host: '127.0.0.1' });
  const portOf = (app: typeof a) => (app.server.address() as AddressInfo).port;
  const balancer = await tcpProxy(portOf(b));
  t.teardown(() => balancer.cut());
  const baseUrl = `http://127.0.0.1:${balancer.port}`;

  await createFlag(a, { key: 'new-checkout' });
  await createFlag(a, {
    key: 'banner-text',
    type: 'string',
    variants: { hello: 'Hello', welcome: 'Welcome' },
    defaultVariant: 'welcome',
  });
  const { token } = await mintToken(a, { name: 'web', scope: 'read' });
  const follow = async (origin: string) => {
    const page = await browser.newPage();
    t.teardown(() => page.close());
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(origin);
    const outcome = await page.evaluate(
      ([base, secret]) =>
        (globalThis as unknown as { follow: (...args: string[]) => Promise<string> }).follow(
          base,
          secret,
          'new-checkout',
        ),
      [baseUrl, token] as const,
    );
    return { page, errors, outcome };
  };
  const seenIn = (page: Awaited<ReturnType<typeof follow>>['page']) =>
    page.evaluate(() => (globalThis as unknown as { seen: Seen[] }).seen);
  const flip = async (enabled: boolean) => {
    const res = await a.inject({
      method: 'PATCH',
      url: '/api/admin/flags/new-checkout',
      headers: admin,
      payload: { enabled },
    });
    t.equal(res.statusCode, 200);
    return Date.now();
  };
  const waitFor = async (page: Awaited<ReturnType<typeof follow>>['page'], value: boolean, since: number) => {
    await page.waitForFunction(
      (want) => (globalThis as unknown as { seen: Seen[] }).seen.at(-1)?.value === want,
      value,
      { timeout: 20_000, polling: 10 },
    );
    const last = (await seenIn(page)).at(-1)!;
    return last.at - since;
  };

  const { page, errors, outcome } = await follow(pageOrigin);
  t.equal(
    outcome,
    'following; banner-text: code default (DISABLED, no error)',
    'the code default holds here too',
  );
  t.same(await seenIn(page), [{ value: false, at: (await seenIn(page))[0]!.at }], 'off, as created');

  const flippedOn = await flip(true);
  t.comment(
    `the page had the new value ${await waitFor(page, true, flippedOn)} ms after the PATCH on A returned`,
  );
  t.pass('ConfigurationChanged with the new value, from a change made on the other instance');

  // B leaves: the balancer sends new connections to A, then B stops and its streams end.
  balancer.retarget(portOf(a));
  await b.close();
  const flippedOff = await flip(false);
  t.comment(
    `after B stopped, the page had the next change ${await waitFor(page, false, flippedOff)} ms after it was made, from A`,
  );
  t.same(errors, [], 'no page errors');

  const refused = await follow(otherOrigin);
  t.match(
    refused.outcome,
    /^error: /,
    'another origin: the browser refuses the answers (no Access-Control-Allow-Origin)',
  );
});
