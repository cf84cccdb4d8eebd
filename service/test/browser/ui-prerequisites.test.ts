// The web UI's prerequisites in Chromium: on a flag's page a person picks a flag it requires, ticks
// the variants that meet it and saves; the dependent shows what it requires, the required flag says
// which flags require it, as links; removing the prerequisite and saving takes it away again.
import type { Page } from 'playwright-core';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, within } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

const prerequisitesOf = async (app: App, key: string) =>
  (await app.inject({ url: `/api/admin/flags/${key}?environment=development`, headers: admin })).json()
    .prerequisites;

async function openFlag(page: Page, base: string, key: string) {
  await page.goto(`${base}/ui/flags/${key}?environment=development`);
  await page.getByRole('button', { name: 'Save' }).waitFor({ timeout: DEADLINE_MS });
}

t.test('add a prerequisite, see it on both flags, follow the links, remove it', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, { environment: 'development', key: 'payments', enabled: true });
  await createFlag(app, {
    environment: 'development',
    key: 'checkout',
    type: 'string',
    enabled: true,
    variants: { old: 'old', new: 'new' },
    defaultVariant: 'new',
    offVariant: 'old',
  });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await openFlag(page, base, 'checkout');

  const section = page.getByRole('region', { name: 'Prerequisites' });
  t.match(await section.innerText(), /No prerequisites/);
  const choice = section.getByLabel('Required flag');
  await shows(t, 'the flags it may require are offered', () =>
    choice.locator('option', { hasText: /^payments$/ }).waitFor({ state: 'attached', timeout: DEADLINE_MS }),
  );
  t.equal(await choice.locator('option', { hasText: /^checkout$/ }).count(), 0, 'not itself');
  await choice.selectOption('payments');
  await section.getByRole('button', { name: 'Add prerequisite' }).click();
  const on = section.getByRole('checkbox', { name: 'payments serving on' });
  const off = section.getByRole('checkbox', { name: 'payments serving off' });
  t.ok(await on.isChecked(), "the flag's default variant is ticked");
  t.ok(await on.isDisabled(), 'the only variant ticked cannot be unticked: remove the prerequisite instead');
  await off.check();
  t.ok(await on.isEnabled(), 'with two ticked, either can be unticked');
  await off.uncheck();
  await accessible(t, page, 'a flag with a prerequisite being added');

  await page.getByRole('button', { name: 'Save' }).click();
  await shows(t, 'saved', () =>
    within(DEADLINE_MS, async () => (await prerequisitesOf(app, 'checkout'))?.length === 1, 50),
  );
  t.same(await prerequisitesOf(app, 'checkout'), [{ flag: 'payments', variants: ['on'] }]);
  await shows(t, 'the state says what the flag serves while its prerequisite is not met', () =>
    page
      .getByText('serving its default variant, while payments serves on; else its off variant “old”.')
      .waitFor({ timeout: DEADLINE_MS }),
  );
  const requires = section.getByRole('link', { name: 'payments' });
  t.equal(await requires.count(), 1, 'the dependent shows what it requires, as a link');

  await requires.click();
  await page.getByRole('heading', { level: 1, name: 'payments' }).waitFor({ timeout: DEADLINE_MS });
  const requiredBy = page.locator('.required-by');
  await shows(t, 'the required flag says who requires it', () =>
    requiredBy.waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await requiredBy.innerText(), /^Required by: checkout\./);
  await accessible(t, page, 'a flag other flags require');

  // Requiring checkout back would close a circle: the save is refused with the path, nothing changes.
  const here = page.getByRole('region', { name: 'Prerequisites' });
  await here.getByLabel('Required flag').selectOption('checkout');
  await here.getByRole('button', { name: 'Add prerequisite' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  const refusal = page.locator('.savebar').getByRole('alert');
  await shows(t, 'the refusal is shown', () => refusal.waitFor({ timeout: DEADLINE_MS }));
  t.match(await refusal.innerText(), /'payments' → 'checkout' → 'payments'/);
  t.same(await prerequisitesOf(app, 'payments'), [], 'nothing was saved');
  await page.getByRole('button', { name: 'Discard' }).click();
  await requiredBy.getByRole('link', { name: 'checkout' }).click();
  await page.getByRole('heading', { level: 1, name: 'checkout' }).waitFor({ timeout: DEADLINE_MS });
  await page.getByRole('button', { name: 'Save' }).waitFor({ timeout: DEADLINE_MS });

  await section.getByRole('button', { name: 'Remove prerequisite payments' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await shows(t, 'removed', () =>
    within(DEADLINE_MS, async () => (await prerequisitesOf(app, 'checkout'))?.length === 0, 50),
  );
  const left = await app.inject({
    url: '/api/admin/flags/payments/required-by?environment=development',
    headers: admin,
  });
  t.same(left.json(), { flags: [] }, 'no longer required by anything');
  await openFlag(page, base, 'payments');
  await page
    .getByRole('region', { name: 'History' })
    .getByText('created')
    .first()
    .waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.locator('.required-by').count(), 0, 'and the page says nothing of it');
  t.same(errors, []);
});
