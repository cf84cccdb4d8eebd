// People signing in to the web UI through an identity provider (OpenID Connect), in Chromium:
// the provider's login page, roles per environment from groups (resolved at each sign-in), a
// person without a role refused with the reason, forged and replayed returns refused, the record
// naming the person, and token sign-in beside it (or switched off).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { type Pending, sealPending } from '../../src/sessions/oidc-sign-in.ts';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { CLIENT_ID, CLIENT_SECRET, type Person, startIdp, type TestIdp } from '../helpers/idp.ts';
import { accessible, DEADLINE_MS, newPage, shows } from '../helpers/ui-page.ts';

const SIGNING_KEY = 'test-events-signing-key-0123456789abcdef';
const pendingOf = (cookie: string) =>
  JSON.parse(
    Buffer.from(cookie.slice('flagstone_sign_in='.length).split('.')[0]!, 'base64url').toString(),
  ) as Pending;

const ROLES = 'flag-admins=admin,engineers=read,payments=admin:staging+development';

const ada: Person = {
  password: 'ada-password',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  groups: ['engineers', 'payments'],
};

async function setUp(t: Test, env: Record<string, string> = {}) {
  const idp = await startIdp(t);
  const built = await buildListeningApp(t, {
    env: {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_ROLES: ROLES,
      EVENTS_SIGNING_KEY: SIGNING_KEY,
      ...env,
    },
  });
  idp.allow(`${built.base}/api/session/oidc/callback`);
  return { ...built, idp };
}

/** Signs in through the identity provider's login page, in a fresh browser context. */
async function signInAs(browser: Browser, base: string, idp: TestIdp, login: string) {
  const { page, errors, context } = await newPage(browser);
  await page.goto(`${base}/ui/`);
  await page.getByRole('link', { name: `Sign in with ${new URL(idp.issuer).host}` }).click();
  await page.getByLabel('Username').fill(login);
  await page.getByLabel('Password').fill(idp.people.get(login)?.password ?? 'wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  return { page, errors, context };
}

const signedInAs = (page: Page, name: string) =>
  page.locator('.topbar-token', { hasText: name }).waitFor({ timeout: DEADLINE_MS });

const cookieHeader = async (context: BrowserContext, url: string) =>
  (await context.cookies(url)).map(({ name, value }) => `${name}=${value}`).join('; ');

t.test('a person signs in through the identity provider, with the roles their groups give', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base, idp } = await setUp(t);
  idp.people.set('ada', ada);
  await createFlag(app, { key: 'checkout', type: 'boolean', defaultValue: false }, admin);
  for (const environment of ['staging', 'production']) {
    await createFlag(app, { environment, key: 'checkout', type: 'boolean', defaultValue: false });
  }

  const first = await newPage(browser);
  await first.page.goto(`${base}/ui/`);
  await first.page.getByLabel('API token').waitFor({ timeout: DEADLINE_MS });
  t.equal(
    await first.page.getByRole('link', { name: `Sign in with ${new URL(idp.issuer).host}` }).count(),
    1,
    'the sign-in page offers the identity provider beside the token form',
  );
  await accessible(t, first.page, 'sign-in page with both ways to sign in');
  await first.context.close();

  const { page, errors, context } = await signInAs(browser, base, idp, 'ada');
  await shows(t, 'signed in as the person', () => signedInAs(page, 'Ada Lovelace'));
  const cookies = await context.cookies(`${base}/api/session`);
  const session = cookies.find((cookie) => cookie.name === 'flagstone_session');
  t.match(
    session,
    { httpOnly: true, sameSite: 'Strict', path: '/api' },
    'the session cookie of a token sign-in',
  );
  t.notOk(
    cookies.find((cookie) => cookie.name === 'flagstone_sign_in'),
    'the sign-in cookie is gone once it served',
  );

  // Who is signed in, as the page asks it.
  const who = await whoIs(page);
  t.match(who, {
    signedIn: { kind: 'person', name: 'Ada Lovelace' },
    person: {
      subject: 'ada',
      email: 'ada@example.com',
      roles: [
        { right: 'read', environments: null },
        { right: 'admin', environments: ['staging', 'development'] },
      ],
    },
  });
  t.notOk(who.token, 'no token behind it');

  // Production: read only. Staging: admin.
  await page.goto(`${base}/ui/flags?environment=production`);
  await shows(t, 'production is read-only for her', () =>
    page.getByText('Read-only: you have the read role on production').waitFor({ timeout: DEADLINE_MS }),
  );
  t.ok(await page.getByRole('switch', { name: /checkout/ }).isDisabled(), 'the switch cannot be flipped');
  const csrf = who.csrfToken;
  const refused = await page.evaluate(
    async (csrfToken) =>
      (
        await fetch('/api/admin/flags/checkout?environment=production', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
          body: JSON.stringify({ enabled: true }),
        })
      ).json(),
    csrf,
  );
  t.match(refused, {
    statusCode: 403,
    code: 'FORBIDDEN',
    message: "Ada Lovelace (signed in) has only the read role on environment 'production'; this needs admin.",
  });

  await page.goto(`${base}/ui/flags?environment=staging`);
  const toggle = page.getByRole('switch', { name: /checkout/ });
  await toggle.waitFor({ timeout: DEADLINE_MS });
  await shows(t, 'staging: the switch can be flipped', () =>
    within(async () => (await toggle.isEnabled()) || undefined),
  );
  await toggle.click();
  await within(async () => (await toggle.getAttribute('aria-checked')) === 'true' || undefined);
  t.equal(
    await page.getByRole('link', { name: 'Tokens' }).count(),
    0,
    'no tokens screen: not admin everywhere',
  );

  // The record names her: the API, and the flag's history screen.
  const history = await app.inject({
    url: '/api/admin/flags/checkout/history?environment=staging',
    headers: admin,
  });
  t.match(history.json().events[0], {
    action: 'flag.updated',
    actor: 'Ada Lovelace',
    by: { kind: 'person', name: 'Ada Lovelace', email: 'ada@example.com', subject: 'ada' },
  });
  const bootstrap = await app.inject({
    url: '/api/admin/flags/checkout/history?environment=staging',
    headers: admin,
  });
  t.match(bootstrap.json().events.at(-1), { actor: 'bootstrap', by: { kind: 'token', name: 'bootstrap' } });
  await page.goto(`${base}/ui/flags/checkout?environment=staging`);
  await shows(t, 'the history screen names her', () =>
    page
      .getByRole('region', { name: 'History' })
      .getByText('Ada Lovelace (ada@example.com)')
      .first()
      .waitFor({ timeout: DEADLINE_MS }),
  );

  // Signing out ends the session on the server.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Flagstone' }).waitFor({ timeout: DEADLINE_MS });
  const after = await app.inject({
    url: '/api/session',
    headers: { cookie: `flagstone_session=${session!.value}` },
  });
  t.equal(after.statusCode, 401, 'the cookie is refused after sign-out');
  t.same(errors, [], 'no page errors');
});

t.test(
  'no mapped group: refused, with the reason on the sign-in page; a group added counts at the next sign-in',
  async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const { app, base, idp } = await setUp(t);
    idp.people.set('grace', {
      password: 'grace-password',
      name: 'Grace Hopper',
      email: 'grace@example.com',
      groups: ['sales'],
    });

    const first = await signInAs(browser, base, idp, 'grace');
    await shows(t, 'the reason is shown', () =>
      first.page
        .getByRole('alert')
        .filter({ hasText: 'none of your groups has a role in Flagstone' })
        .waitFor({
          timeout: DEADLINE_MS,
        }),
    );
    t.notOk(
      (await first.context.cookies(`${base}/api/session`)).find(
        (cookie) => cookie.name === 'flagstone_session',
      ),
      'no session',
    );
    t.notMatch(first.page.url(), /signInError/, 'the reason leaves the address once shown');
    await accessible(t, first.page, 'sign-in page with a refusal');

    idp.people.get('grace')!.groups = ['sales', 'flag-admins'];
    const second = await signInAs(browser, base, idp, 'grace');
    await shows(t, 'signed in once the group maps', () => signedInAs(second.page, 'Grace Hopper'));
    await second.page.getByRole('link', { name: 'Tokens' }).waitFor({ timeout: DEADLINE_MS });
    t.pass('admin everywhere: the tokens screen is offered');

    // Taken away again: the next sign-in reads it, the open session keeps what it was given.
    idp.people.get('grace')!.groups = ['engineers'];
    const third = await signInAs(browser, base, idp, 'grace');
    await signedInAs(third.page, 'Grace Hopper');
    const who = await whoIs(third.page);
    t.same(who.person.roles, [{ right: 'read', environments: null }], 'read only now');
    const tokens = await app.inject({
      url: '/api/admin/tokens',
      headers: { cookie: await cookieHeader(third.context, `${base}/api`) },
    });
    t.equal(tokens.statusCode, 403, 'and the tokens API refuses her');
  },
);

t.test('forged, replayed and tampered returns from the identity provider are refused', async (t) => {
  // More sign-ins than a minute allows one address by default.
  const { app, base, idp } = await setUp(t, { RATE_LIMIT_SIGN_INS_PER_MINUTE: '100' });
  idp.people.set('ada', ada);
  // Requests arrive as the browser's would: the callback URL is made from the request's origin.
  const { host } = new URL(base);

  /** A real sign-in up to the return, which is not yet made: its URL and the sign-in cookie. */
  async function caughtReturn() {
    const started = await app.inject({ url: '/api/session/oidc', headers: { host } });
    const cookie = started.cookies.find((c) => c.name === 'flagstone_sign_in')!;
    t.match(cookie, { httpOnly: true, sameSite: 'Lax', path: '/api/session/oidc' }, 'the sign-in cookie');
    const url = await idp.returnFor(
      started.headers.location as string,
      `${base}/api/session/oidc/callback`,
      'ada',
    );
    return { url, cookie: `flagstone_sign_in=${cookie.value}` };
  }

  async function returned(url: URL, cookie?: string) {
    const res = await app.inject({
      url: `${url.pathname}${url.search}`,
      headers: cookie ? { cookie, host } : { host },
    });
    return {
      location: res.headers.location,
      session: res.cookies.find((c) => c.name === 'flagstone_session' && c.value),
    };
  }

  const genuine = await caughtReturn();
  // Wrong state: the same return with its state changed.
  const forged = new URL(genuine.url);
  forged.searchParams.set('state', 'forged-state');
  t.match(await returned(forged, genuine.cookie), {
    location: '/ui/?signInError=sign_in_invalid',
    session: undefined,
  });
  // No sign-in cookie (a return this browser never started): nothing to check it against.
  t.match(await returned(genuine.url), { location: '/ui/?signInError=sign_in_expired', session: undefined });
  // A cookie of another sign-in: its state, nonce and PKCE verifier are not this return's.
  const other = await caughtReturn();
  t.match(await returned(genuine.url, other.cookie), {
    location: '/ui/?signInError=sign_in_invalid',
    session: undefined,
  });
  // The cookie altered without the key: its signature no longer holds.
  const [payload, signature] = other.cookie.slice('flagstone_sign_in='.length).split('.');
  const pending = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Pending;
  const unsigned = `flagstone_sign_in=${Buffer.from(JSON.stringify({ ...pending, nonce: 'x' })).toString('base64url')}.${signature}`;
  t.match(await returned(other.url, unsigned), {
    location: '/ui/?signInError=sign_in_expired',
    session: undefined,
  });
  // Altered with the key, so only the identity provider's answer can tell: a wrong nonce (the ID
  // token carries another), a PKCE verifier missing or not the one the challenge was made from.
  for (const [what, alter] of [
    ['a wrong nonce', (p: Pending) => ({ ...p, nonce: 'another-nonce' })],
    ['no PKCE verifier', (p: Pending) => ({ ...p, verifier: undefined as unknown as string })],
    ['another PKCE verifier', (p: Pending) => ({ ...p, verifier: `${p.verifier.slice(0, -4)}AAAA` })],
  ] as const) {
    const caught = await caughtReturn();
    const cookie = `flagstone_sign_in=${sealPending(SIGNING_KEY, alter(pendingOf(caught.cookie)))}`;
    t.match(
      await returned(caught.url, cookie),
      { location: '/ui/?signInError=sign_in_invalid', session: undefined },
      `${what}: refused`,
    );
  }

  // The genuine one goes through once; replayed, its code is spent.
  const once = await returned(other.url, other.cookie);
  t.equal(once.location, '/ui/', 'the genuine return signs in');
  t.ok(once.session, 'with a session');
  t.match(await returned(other.url, other.cookie), {
    location: '/ui/?signInError=sign_in_invalid',
    session: undefined,
  });
});

t.test('the identity provider down: the sign-in page says so, token sign-in still works', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { base, idp } = await setUp(t);
  await idp.stop();
  const { page, errors } = await newPage(browser);
  await page.goto(`${base}/ui/`);
  await page.getByRole('link', { name: /^Sign in with / }).click();
  await shows(t, 'a clear error', () =>
    page
      .getByRole('alert')
      .filter({ hasText: 'The identity provider did not answer' })
      .waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'sign-in page, identity provider down');
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await shows(t, 'token sign-in works', () => signedInAs(page, 'bootstrap'));
  t.same(errors, []);
});

t.test('UI_TOKEN_SIGN_IN=false: no token form, and POST /api/session refuses a token', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base, idp } = await setUp(t, { UI_TOKEN_SIGN_IN: 'false' });
  const refused = await app.inject({ method: 'POST', url: '/api/session', payload: { token: ADMIN_TOKEN } });
  t.equal(refused.statusCode, 403);
  t.match(refused.json(), {
    code: 'TOKEN_SIGN_IN_DISABLED',
    message: /UI_TOKEN_SIGN_IN=false.*GET \/api\/session\/oidc/,
  });
  t.same((await app.inject({ url: '/api/session/options' })).json(), {
    token: false,
    identityProvider: { name: new URL(idp.issuer).host, start: '/api/session/oidc' },
  });
  const { page } = await newPage(browser);
  await page.goto(`${base}/ui/`);
  await page.getByRole('link', { name: /^Sign in with / }).waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.getByLabel('API token').count(), 0, 'no token form');
  await accessible(t, page, 'sign-in page, single sign-on only');
  t.equal(
    (await app.inject({ url: '/api/admin/flags', headers: admin })).statusCode,
    200,
    'API tokens still call the API',
  );
});

interface WhoAmI {
  signedIn: { kind: string; name: string };
  token?: unknown;
  person: { roles: unknown[] };
  csrfToken: string;
}

const whoIs = async (page: Page) =>
  (await page.evaluate(async () => (await fetch('/api/session')).json())) as WhoAmI;

/** Waits for `value()` to be defined. */
async function within<T>(value: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const started = performance.now();
  for (;;) {
    const got = await value();
    if (got !== undefined) return got;
    if (performance.now() - started > DEADLINE_MS) throw new Error('not within the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
