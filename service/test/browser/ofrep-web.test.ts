// A real browser client: the OpenFeature web SDK with @openfeature/ofrep-web-provider 0.4.3 in
// Chromium, against a listening server. A flag that is off with no off variant gives the page
// its code default, with reason DISABLED and no error; the kill switch reaches a page that loads.
import t from 'tap';
import { admin, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';
import { bundle, launchBrowser, openPage } from '../helpers/browser.ts';

interface Details {
  key: string;
  value: unknown;
  variant: string | null;
  reason: string | null;
  errorCode: string | null;
}

t.test('the OpenFeature web SDK over OFREP, in Chromium', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app } = await buildTestApp(t);
  const { token } = await mintToken(app, { name: 'web', scope: 'read' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

  await createFlag(app, {
    key: 'banner-text',
    type: 'string',
    variants: { hello: 'Hello', welcome: 'Welcome' },
    defaultVariant: 'welcome',
  });
  await createFlag(app, {
    key: 'checkout-kill',
    type: 'boolean',
    enabled: true,
    variants: { on: true, off: false },
    defaultVariant: 'on',
  });
  await createFlag(app, { key: 'new-checkout', enabled: true });
  await createFlag(app, {
    key: 'greeting',
    type: 'string',
    enabled: true,
    variants: { hello: 'Hello', welcome: 'Welcome' },
    defaultVariant: 'hello',
    offVariant: 'welcome',
  });

  const script = await bundle(new URL('./ofrep-web-page.ts', import.meta.url));
  const evaluateInPage = async (checks: [string, 'boolean' | 'string', boolean | string][]) => {
    const { page, errors } = await openPage(browser, origin, script);
    t.teardown(() => page.close());
    const details = (await page.evaluate(
      ([base, secret, list]) =>
        (globalThis as unknown as { evaluateIn: (...args: unknown[]) => Promise<unknown> }).evaluateIn(
          base,
          secret,
          { targetingKey: 'user-1' },
          list,
        ),
      [origin, token, checks] as const,
    )) as Details[];
    t.same(errors, [], 'no page errors');
    return Object.fromEntries(details.map((d) => [d.key, d]));
  };

  const first = await evaluateInPage([
    ['banner-text', 'string', 'code default'],
    ['greeting', 'string', 'code default'],
    ['checkout-kill', 'boolean', false],
    ['new-checkout', 'boolean', false],
  ]);
  t.same(
    first['banner-text'],
    { key: 'banner-text', value: 'code default', variant: null, reason: 'DISABLED', errorCode: null },
    "off without an off variant: the page's code default, reason DISABLED, no error",
  );
  t.match(first.greeting, { value: 'Hello', variant: 'hello', reason: 'STATIC', errorCode: null });
  t.match(first['checkout-kill'], { value: true, variant: 'on', reason: 'STATIC', errorCode: null });
  t.match(first['new-checkout'], { value: true, variant: 'on', reason: 'STATIC', errorCode: null });

  for (const key of ['checkout-kill', 'new-checkout', 'greeting']) {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/admin/flags/${key}`,
      headers: admin,
      payload: { enabled: false },
    });
    t.equal(res.statusCode, 200, `${key} turned off`);
  }
  const after = await evaluateInPage([
    ['checkout-kill', 'boolean', false],
    ['new-checkout', 'boolean', true],
    ['greeting', 'string', 'code default'],
  ]);
  t.same(
    after['checkout-kill'],
    { key: 'checkout-kill', value: false, variant: null, reason: 'DISABLED', errorCode: null },
    'the kill switch: the code default, never the on value',
  );
  t.match(
    after['new-checkout'],
    { value: false, variant: 'off', reason: 'DISABLED', errorCode: null },
    'the plain switch serves its off variant, whatever the code default',
  );
  t.match(after.greeting, { value: 'Welcome', variant: 'welcome', reason: 'DISABLED', errorCode: null });
});
