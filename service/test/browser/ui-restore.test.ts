// The web UI in Chromium against a listening server: an archived flag's banner reads as a sentence
// and restores the flag; variants come back in the order they were entered; an empty segment's
// editor says it holds no one.
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, createSegment } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';

/** How long the page may take to show what a test waits for. */
const DEADLINE_MS = 15_000;

async function signedIn(browser: Browser, base: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${base}/ui/`);
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: DEADLINE_MS });
  return { page, errors };
}

const heading = (page: Page, name: string) =>
  page.getByRole('heading', { level: 1, name }).waitFor({ timeout: DEADLINE_MS });

t.test('archive a flag, read the banner, restore it: the flag is back', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, {
    key: 'summer-sale',
    type: 'string',
    enabled: true,
    variants: { sale: 'SALE', plain: 'PLAIN' },
    defaultVariant: 'sale',
  });
  const { page, errors } = await signedIn(browser, base);
  await page.goto(`${base}/ui/flags/summer-sale`);
  await heading(page, 'summer-sale');

  await page.getByRole('button', { name: 'Archive' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  const banner = page.locator('.alert-info').filter({ hasText: 'Archived on' });
  await banner.waitFor({ timeout: DEADLINE_MS });
  const archivedAt = (await app.inject({ url: '/api/admin/flags/summer-sale', headers: admin })).json()
    .archivedAt as string;
  t.ok(archivedAt, 'archived through the UI');
  const text = await banner.locator('span').first().innerText();
  t.match(
    text,
    /^Archived on \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M\. Services get 404 for it and it cannot be changed\. Restore brings it back as it was\.$/,
    `the banner reads as one sentence: ${JSON.stringify(text)}`,
  );
  t.notMatch(text, / {2}|\s\./, 'no doubled spaces, no space before a full stop');
  t.equal((await app.inject({ url: '/api/config/flags/summer-sale', headers: admin })).statusCode, 404);
  const { violations } = await new AxeBuilder({ page }).include('.alert-info').analyze();
  t.same(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
    [],
    'the banner and its button pass axe',
  );

  await banner.getByRole('button', { name: 'Restore' }).click();
  await banner.waitFor({ state: 'detached', timeout: DEADLINE_MS });
  await page.getByRole('button', { name: 'Archive' }).waitFor({ timeout: DEADLINE_MS });
  t.match(await page.locator('main').innerText(), /version 3/, 'the page shows the restored version');
  const restored = await app.inject({ url: '/api/config/flags/summer-sale', headers: admin });
  t.equal(restored.statusCode, 200, 'services read it again');
  t.match(restored.json(), { version: 3, enabled: true, defaultVariant: 'sale', archivedAt: null });
  t.same(errors, []);
});

t.test('variants entered blue then red come back blue, red', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, {
    key: 'button-colour',
    type: 'string',
    variants: { blue: '#00f' },
    defaultVariant: 'blue',
  });
  const { page, errors } = await signedIn(browser, base);
  await page.goto(`${base}/ui/flags/button-colour`);
  await heading(page, 'button-colour');
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.getByLabel('Name of variant 2').fill('red');
  await page.getByLabel('Value of variant red').fill('#f00');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Saved').waitFor({ timeout: DEADLINE_MS });
  const stored = (await app.inject({ url: '/api/admin/flags/button-colour', headers: admin })).json();
  t.same(Object.keys(stored.variants), ['blue', 'red'], 'the API keeps the order');

  await page.reload();
  await heading(page, 'button-colour');
  const names = page.getByRole('textbox', { name: /^Name of variant/ });
  await names.nth(1).waitFor({ timeout: DEADLINE_MS });
  t.equal(await names.count(), 2);
  t.same(
    await Promise.all([0, 1].map((i) => names.nth(i).inputValue())),
    ['blue', 'red'],
    'and the page shows it after a reload',
  );
  t.same(errors, []);
});

t.test('an empty segment says it holds no one; with a condition it does not', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createSegment(app, { key: 'beta-testers', conditions: [] });
  const { page, errors } = await signedIn(browser, base);
  await page.goto(`${base}/ui/segments/beta-testers`);
  await heading(page, 'beta-testers');
  const note = page.getByText('this segment holds no one');
  await note.waitFor({ timeout: DEADLINE_MS });
  t.match(
    await note.innerText(),
    /No conditions yet: this segment holds no one, so a rule that names it matches no context/,
  );
  t.equal(await page.getByText('matches every context').count(), 0, 'not the note of a rule');
  await page.getByRole('button', { name: 'Add condition' }).click();
  await note.waitFor({ state: 'detached', timeout: DEADLINE_MS });
  t.same(errors, []);
});
