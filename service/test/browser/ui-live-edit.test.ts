// A flag's page while someone else changes the flag, in Chromium: what the person has not
// touched follows the change live (the switch, the version, the other fields); what they edited
// stays theirs, and saves on the new version; a field both changed is a conflict settled at that
// field (theirs or mine), and nothing is saved over a change the person has not seen. A switch
// flipped on a stale page says so beside the switch and shows the flag as it now is.
import type { Page } from 'playwright-core';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, within } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, describedBy, newPage, shows, signIn } from '../helpers/ui-page.ts';

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

const URL_OF = '/api/admin/flags/checkout?environment=development';
const flagOf = async (app: App) => (await app.inject({ url: URL_OF, headers: admin })).json();
const patch = async (app: App, payload: Record<string, unknown>) => {
  const res = await app.inject({ method: 'PATCH', url: URL_OF, headers: admin, payload });
  if (res.statusCode !== 200) throw new Error(`patch failed: ${res.statusCode} ${res.body}`);
  return res.json() as { version: number };
};

async function seeded(app: App) {
  await createFlag(app, { environment: 'development', key: 'checkout', description: 'As created' });
  // On at version 3, as in the report.
  await patch(app, { description: 'The checkout' });
  return patch(app, { enabled: true });
}

async function openFlag(page: Page, base: string) {
  await signIn(page, base, ADMIN_TOKEN);
  await page.goto(`${base}/ui/flags/checkout?environment=development`);
  // Loaded: the editor's Save is there.
  await page.getByRole('button', { name: 'Save' }).waitFor({ timeout: DEADLINE_MS });
}

const description = (page: Page) => page.getByLabel('Description', { exact: true });
const valueIs = (page: Page, text: string) =>
  within(DEADLINE_MS, async () => (await description(page).inputValue()) === text, 50);

t.test('a change made elsewhere shows live and keeps the edit in progress', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  t.equal((await seeded(app)).version, 3);
  const { page, errors } = await newPage(browser);
  await openFlag(page, base);
  const toggle = page.getByRole('switch', { name: 'Enable checkout' });
  t.equal(await toggle.getAttribute('aria-checked'), 'true');

  await description(page).fill('Edited in the page');
  await patch(app, { enabled: false });
  await shows(t, 'the switch shows the flag off, live', () =>
    page.getByRole('switch', { name: 'Enable checkout', checked: false }).waitFor({ timeout: DEADLINE_MS }),
  );
  await shows(t, 'with the new version', () =>
    page.getByText(/version 4 · updated/).waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await page.getByRole('region', { name: 'State' }).textContent(), /Off in development/);
  t.equal(await description(page).inputValue(), 'Edited in the page', 'the edit in progress stays');

  // A field the person did not touch follows too.
  await patch(app, { offVariant: 'on' });
  await shows(t, 'an untouched field follows the change', () =>
    within(DEADLINE_MS, async () => (await page.getByLabel('Off variant').inputValue()) === 'on', 50),
  );
  t.equal(await description(page).inputValue(), 'Edited in the page');

  await page.getByRole('button', { name: 'Save' }).click();
  await shows(t, 'the save succeeds on the new version', () =>
    page.getByRole('status').getByText('Saved').waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await flagOf(app), {
    description: 'Edited in the page',
    enabled: false,
    offVariant: 'on',
    version: 6,
  });
  t.same(errors, [], 'no page errors');
});

t.test('a field both changed is settled at the field before anything is saved', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await seeded(app);
  const { page, errors } = await newPage(browser);
  await openFlag(page, base);

  await description(page).fill('Mine');
  await patch(app, { description: 'Theirs' });
  const keepMine = page.getByRole('button', { name: 'Keep mine for the description' });
  await shows(t, 'the conflict shows at the field', () => keepMine.waitFor({ timeout: DEADLINE_MS }));
  t.match(
    await page.getByRole('alert').filter({ hasText: 'changed this flag' }).textContent(),
    /the description/,
    'and the save bar names it',
  );
  t.equal(await description(page).inputValue(), 'Mine', 'the edit stays');
  t.match(
    await describedBy(description(page)),
    /Someone else changed the description meanwhile to “Theirs”/,
    'the field is described by the conflict',
  );
  await accessible(t, page, 'a flag with a conflict');
  await page.getByRole('button', { name: 'Save' }).click();
  t.equal((await flagOf(app)).description, 'Theirs', 'Save writes nothing over a change not settled');

  await keepMine.click();
  t.equal(await keepMine.count(), 0, 'settled');
  await page.getByRole('button', { name: 'Save' }).click();
  await shows(t, 'mine, chosen, is saved', () =>
    page.getByRole('status').getByText('Saved').waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal((await flagOf(app)).description, 'Mine');

  await description(page).fill('Mine again');
  await patch(app, { description: 'Theirs again' });
  await page.getByRole('button', { name: 'Use theirs for the description' }).click({ timeout: DEADLINE_MS });
  t.equal(await description(page).inputValue(), 'Theirs again', 'theirs, chosen, replaces the edit');
  t.ok(await page.getByRole('button', { name: 'Save' }).isDisabled(), 'and nothing is left to save');
  t.equal((await flagOf(app)).description, 'Theirs again');
  t.same(errors, [], 'no page errors');
});

t.test('without live events: a stale switch and a stale save are caught where they happen', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await seeded(app);
  const { page, errors } = await newPage(browser);
  // The page hears of no change: what it shows goes stale, as it would between an event and its refetch.
  await page.route('**/api/admin/events**', (route) => route.abort());
  await openFlag(page, base);

  await patch(app, { description: 'Changed elsewhere' });
  await page.getByRole('switch', { name: 'Enable checkout' }).click();
  const notice = page.getByRole('alert').filter({ hasText: 'someone else changed this flag first' });
  await shows(t, 'the refused flip is explained beside the switch', () =>
    notice.waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await notice.textContent(), /It is on \(version 4\); switch again to turn it off/);
  await accessible(t, page, 'a flip refused');
  t.equal((await flagOf(app)).enabled, true, 'the flip was not applied');
  await valueIs(page, 'Changed elsewhere');
  t.pass('the page shows the flag as it now is');
  await page.getByRole('switch', { name: 'Enable checkout' }).click();
  await page
    .getByRole('switch', { name: 'Enable checkout', checked: false })
    .waitFor({ timeout: DEADLINE_MS });
  t.equal((await flagOf(app)).enabled, false, 'switched again, it flips');

  // Someone changes a field the person did not edit: the save is made on the new version.
  await description(page).fill('Saved over a stale page');
  await patch(app, { offVariant: 'on' });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Saved').waitFor({ timeout: DEADLINE_MS });
  t.match(await flagOf(app), { description: 'Saved over a stale page', offVariant: 'on' });

  // Someone changes the field the person edited: nothing is saved, the conflict is shown.
  await description(page).fill('Not over theirs');
  await patch(app, { description: 'Theirs, unseen' });
  await page.getByRole('button', { name: 'Save' }).click();
  await shows(t, 'a stale save over their field shows the conflict', () =>
    page.getByRole('button', { name: 'Keep mine for the description' }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal((await flagOf(app)).description, 'Theirs, unseen', 'their change stands');
  t.same(errors, [], 'no page errors');
});
