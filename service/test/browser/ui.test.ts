// The web UI end to end, in Chromium against a listening server: sign in (a wrong token, then the
// right one), create a flag, turn it on in production (confirmed), edit a rule and a split, use
// the playground, see a change made through the API appear live, read the history diff, mint and
// revoke a token, sign out; and a read token that can change nothing. With UPDATE_SCREENSHOTS=1
// it also writes the README's screenshots (docs/ui-flags.png, docs/ui-flag.png).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  ADMIN_TOKEN,
  admin,
  buildListeningApp,
  createFlag,
  createSegment,
  mintToken,
  within,
} from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../docs/', import.meta.url))
  : mkdtempSync(join(tmpdir(), 'flagstone-shots-'));

async function seed(app: App) {
  const inProduction = (body: Record<string, unknown>) =>
    createFlag(app, { environment: 'production', ...body });
  await createSegment(app, {
    environment: 'production',
    key: 'staff',
    description: 'Everyone with a company address',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  await inProduction({
    key: 'checkout-kill',
    description: 'Kill switch for the checkout service',
    enabled: true,
  });
  await inProduction({
    key: 'search-ranking',
    description: 'Ranking model served to search',
    type: 'string',
    enabled: true,
    variants: { classic: 'bm25', learned: 'ltr-v2' },
    defaultVariant: 'classic',
    rules: [{ segments: ['staff'], variant: 'learned' }],
  });
  await inProduction({
    key: 'max-upload-mb',
    description: 'Upload size limit in MB',
    type: 'number',
    variants: { small: 10, large: 100 },
    defaultVariant: 'small',
  });
}

const flagOf = async (app: App, key: string) =>
  (await app.inject({ url: `/api/admin/flags/${key}?environment=production`, headers: admin })).json();

t.test('an admin, end to end', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await seed(app);
  const { page, errors } = await newPage(browser);

  // Sign in: a wrong token is refused in the API's words, then the right one.
  await page.goto(`${base}/ui/`);
  await page.getByLabel('API token').fill('fs_not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refusal = page.getByRole('alert');
  await refusal.waitFor({ timeout: DEADLINE_MS });
  t.match(await refusal.textContent(), /Unknown API token/);
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: DEADLINE_MS });
  t.equal(
    await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
    '{}{}',
    'nothing in web storage',
  );
  t.notMatch(await page.content(), new RegExp(ADMIN_TOKEN), 'the token is not kept in the page');

  // The flags of production.
  await page.getByLabel('Environment').selectOption('production');
  await shows(t, 'the production flags are listed', () =>
    page.getByRole('link', { name: 'search-ranking' }).waitFor({ timeout: DEADLINE_MS }),
  );

  // Create a flag.
  await page.getByRole('button', { name: 'New flag' }).click();
  await page.getByLabel('Key').fill('new-checkout');
  await page.getByLabel('Description').fill('The redesigned checkout');
  await page.getByRole('button', { name: 'Create' }).click();
  // Created, it opens on its own page, off.
  await shows(t, 'the new flag opens on its page', () =>
    page.getByRole('heading', { level: 1, name: 'new-checkout' }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await flagOf(app, 'new-checkout'), { key: 'new-checkout', type: 'boolean', enabled: false });
  await page.getByRole('link', { name: 'Flags', exact: true }).first().click();
  const created = page.getByRole('switch', { name: /new-checkout/ });
  await shows(t, 'and is listed, off', () => created.waitFor({ timeout: DEADLINE_MS }));
  t.equal(await created.getAttribute('aria-checked'), 'false');

  // Turn it on: in production, only after a confirmation.
  await created.click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor({ timeout: DEADLINE_MS });
  t.equal((await flagOf(app, 'new-checkout')).enabled, false, 'nothing changes before the confirmation');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await shows(t, 'the switch shows on', () =>
    page.getByRole('switch', { name: /new-checkout/, checked: true }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal((await flagOf(app, 'new-checkout')).enabled, true);

  // A change made elsewhere (the API) appears without a reload.
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/checkout-kill?environment=production',
    headers: admin,
    payload: { enabled: false },
  });
  await shows(t, 'a change made through the API appears live', () =>
    page.getByRole('switch', { name: /checkout-kill/, checked: false }).waitFor({ timeout: DEADLINE_MS }),
  );
  await page.screenshot({ path: join(SHOTS, 'ui-flags.png') });

  // The flag's page: a rule with a condition, then a split.
  await page.getByRole('link', { name: 'new-checkout' }).click();
  await page.getByRole('heading', { level: 1, name: 'new-checkout' }).waitFor({ timeout: DEADLINE_MS });
  await page.getByRole('button', { name: 'Add rule' }).click();
  const rule = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Rule 1' }) });
  await rule.getByLabel('Rule description').fill('Germany first');
  await rule.getByRole('button', { name: 'Add condition' }).click();
  await rule.getByLabel('Attribute').fill('country');
  await rule.getByLabel('Operator').selectOption('equals');
  await rule.getByLabel('Value', { exact: true }).fill('DE');
  await rule.getByRole('radio', { name: 'A percentage split' }).check();
  await rule.getByLabel('on weight in percent').fill('25');
  await rule.getByLabel('off weight in percent').fill('70');
  t.equal(
    await page.getByText('Weights must add up to 100 % (now 95 %)').count(),
    1,
    'a split short of 100 % is named',
  );
  await page.getByRole('button', { name: 'Save' }).click();
  t.same((await flagOf(app, 'new-checkout')).rules, [], 'and cannot be saved');
  await rule.getByLabel('off weight in percent').fill('75');
  await page.getByRole('button', { name: 'Save' }).click();
  await shows(t, 'the rule is saved', () =>
    page.getByRole('status').getByText('Saved').waitFor({ timeout: DEADLINE_MS }),
  );
  t.same((await flagOf(app, 'new-checkout')).rules, [
    {
      description: 'Germany first',
      conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }],
      split: [
        { variant: 'on', weight: 2500 },
        { variant: 'off', weight: 7500 },
      ],
    },
  ]);

  // The playground evaluates the saved flag for a context.
  await page.getByLabel('Targeting key').fill('user-42');
  await page.getByLabel('Context (JSON)').fill('{"country": "DE"}');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  const result = page.getByRole('region', { name: 'Playground' });
  await shows(t, 'the playground shows the answer', () =>
    result.getByText('SPLIT').waitFor({ timeout: DEADLINE_MS }),
  );
  const expected = (
    await app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/new-checkout?environment=production',
      headers: admin,
      payload: { context: { targetingKey: 'user-42', country: 'DE' } },
    })
  ).json();
  const shown = await result.textContent();
  t.match(
    shown,
    new RegExp(`Value\\s*${expected.value}\\s*Variant\\s*${expected.variant}\\s*Reason\\s*SPLIT`),
    'what OFREP serves',
  );
  // The rules, the split and the playground's answer, in one tall window.
  await page.setViewportSize({ width: 1280, height: 2100 });
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SHOTS, 'ui-flag.png') });
  await page.setViewportSize({ width: 1280, height: 860 });

  // The history: the rule change, in words, with a before/after diff on request.
  const history = page.getByRole('region', { name: 'History' });
  await shows(t, 'the history lists the change', () =>
    history.getByText('flag.updated').first().waitFor({ timeout: DEADLINE_MS }),
  );
  await history.getByRole('button', { name: 'Show diff' }).first().click();
  await history
    .getByRole('list', { name: /^Changes of flag\.updated/ })
    .first()
    .waitFor({ timeout: DEADLINE_MS });
  const diffText = await history.textContent();
  t.match(diffText, /rules/, 'the diff names what changed');
  t.match(diffText, /Germany first/);

  // A stale edit: someone else changes the flag meanwhile.
  await page.getByLabel('Description', { exact: true }).fill('Edited in the page');
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/new-checkout?environment=production',
    headers: admin,
    payload: { description: 'Edited through the API' },
  });
  await page.getByRole('button', { name: 'Save' }).click();
  const stale = page.getByRole('alert').filter({ hasText: 'changed this flag' });
  await shows(t, 'a stale edit says someone changed it first', () => stale.waitFor({ timeout: DEADLINE_MS }));
  await stale.getByRole('button', { name: 'Reload' }).click();
  const description = page.getByLabel('Description', { exact: true });
  await shows(t, 'reload shows their change', () =>
    within(DEADLINE_MS, async () => (await description.inputValue()) === 'Edited through the API', 50),
  );
  t.equal(
    (await flagOf(app, 'new-checkout')).description,
    'Edited through the API',
    'the stale edit wrote nothing',
  );

  // Tokens: mint (the secret shown once, with a copy button), then revoke.
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByLabel('Name').fill('ci-reader');
  await page.getByLabel('Scope').selectOption('read');
  await page.getByRole('button', { name: 'Mint token' }).click();
  const secretBox = page.getByLabel('Token secret');
  await secretBox.waitFor({ timeout: DEADLINE_MS });
  const secret = await secretBox.inputValue();
  t.match(secret, /^fs_[\w-]{43}$/);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText('Copied').waitFor({ timeout: DEADLINE_MS });
  t.equal(
    await page.evaluate(() =>
      (navigator as unknown as { clipboard: { readText(): Promise<string> } }).clipboard.readText(),
    ),
    secret,
    'the copy button copies the secret',
  );
  const asReader = () =>
    app.inject({
      url: '/api/config/flags?environment=production',
      headers: { authorization: `Bearer ${secret}` },
    });
  t.equal((await asReader()).statusCode, 200, 'the minted token works');
  await page.getByRole('button', { name: 'Done' }).click();
  t.equal(await page.getByLabel('Token secret').count(), 0, 'the secret is shown once');
  await page.getByRole('button', { name: 'Revoke ci-reader' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await shows(t, 'the token shows revoked, with nothing left to revoke', () =>
    page
      .getByRole('button', { name: 'Revoke ci-reader' })
      .waitFor({ state: 'detached', timeout: DEADLINE_MS }),
  );
  t.equal((await asReader()).statusCode, 401, 'the revoked token is refused');

  // Sign out ends the session on the server.
  const [cookie] = await page.context().cookies();
  t.equal(cookie?.name, 'flagstone_session');
  t.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', 'HttpOnly, SameSite=Strict');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').waitFor({ timeout: DEADLINE_MS });
  const after = await app.inject({
    url: '/api/admin/flags',
    headers: { cookie: `flagstone_session=${cookie!.value}` },
  });
  t.equal(after.statusCode, 401, 'the old cookie is refused');
  t.same(errors, [], 'no page errors');
});

t.test('a read token sees everything and can change nothing', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await seed(app);
  const { token } = await mintToken(app, { name: 'viewer', scope: 'read' });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, token);
  await page.getByLabel('Environment').selectOption('production');
  const toggle = page.getByRole('switch', { name: /checkout-kill/ });
  await toggle.waitFor({ timeout: DEADLINE_MS });
  t.ok(await toggle.isDisabled(), 'the switch is disabled');
  t.equal(await page.getByRole('button', { name: 'New flag' }).count(), 0, 'there is no New flag');
  t.equal(await page.getByRole('link', { name: 'Tokens' }).count(), 0, 'no tokens screen');

  await page.getByRole('link', { name: 'search-ranking' }).click();
  await page.getByRole('heading', { level: 1, name: 'search-ranking' }).waitFor({ timeout: DEADLINE_MS });
  t.ok(await page.getByRole('button', { name: 'Save' }).isDisabled(), 'Save is disabled');
  t.ok(await page.getByRole('button', { name: 'Add rule' }).isDisabled(), 'Add rule is disabled');
  t.ok(await page.getByRole('region', { name: 'History' }).isVisible(), 'the history is there to read');

  // The API refuses anyway, even with the session's CSRF token.
  const refused = await page.evaluate(async () => {
    const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
    const res = await fetch('/api/admin/flags/checkout-kill?environment=production', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify({ enabled: false }),
    });
    return { status: res.status, body: await res.json() };
  });
  t.match(refused, { status: 403, body: { code: 'FORBIDDEN' } });
  t.equal((await flagOf(app, 'checkout-kill')).enabled, true);
  t.same(errors, [], 'no page errors');
});
