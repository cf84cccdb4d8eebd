// The web UI's forms in Chromium: a variant renamed carries through to everything that names it;
// a key is checked in words on its field (and a key suggested from a name typed there); Save
// waits for something to save and says why; the playground drops an old answer on an error.
import type { Page } from 'playwright-core';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, within } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, describedBy, newPage, shows, signIn } from '../helpers/ui-page.ts';

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

const flagOf = async (app: App, key: string) =>
  (await app.inject({ url: `/api/admin/flags/${key}?environment=development`, headers: admin })).json();

async function openFlag(page: Page, base: string, key: string) {
  await page.goto(`${base}/ui/flags/${key}?environment=development`);
  // Loaded: the editor's Save is there.
  await page.getByRole('button', { name: 'Save' }).waitFor({ timeout: DEADLINE_MS });
}

/** The name field of the variant named `name`. */
async function nameField(page: Page, name: string) {
  for (const field of await page.getByLabel(/^Name of variant \d+$/).all()) {
    if ((await field.inputValue()) === name) return field;
  }
  throw new Error(`no variant named ${name}`);
}

t.test('a renamed variant carries through to the default, the off variant and the rules', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, {
    environment: 'development',
    key: 'theme',
    type: 'string',
    variants: { blue: '#00f', red: '#f00' },
    defaultVariant: 'blue',
    offVariant: 'red',
    rules: [
      { conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }], variant: 'blue' },
      {
        split: [
          { variant: 'blue', weight: 5000 },
          { variant: 'red', weight: 5000 },
        ],
      },
    ],
  });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await openFlag(page, base, 'theme');

  // Typed key by key, as a person renames.
  const first = await nameField(page, 'blue');
  const second = await nameField(page, 'red');
  await first.fill('');
  await first.pressSequentially('navy');
  t.equal(await page.getByLabel('Default variant').inputValue(), 'navy', 'the default variant follows');
  t.equal(
    await page
      .getByRole('listitem')
      .filter({ hasText: 'Rule 1' })
      .getByLabel('Variant', { exact: true })
      .inputValue(),
    'navy',
  );
  t.equal(await page.getByLabel('navy weight in percent').inputValue(), '50', 'the split follows');
  // A name that is for a moment another variant's: the references wait, then follow.
  await second.fill('');
  await second.pressSequentially('navy-dark');
  t.equal(await page.getByLabel('Off variant').inputValue(), 'navy-dark', 'the off variant follows');
  t.equal(await page.getByLabel('Default variant').inputValue(), 'navy', 'the default stays with its own');
  t.equal(
    await page.getByText(/no such variant|not a variant of this flag/).count(),
    0,
    'nothing points nowhere',
  );

  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').getByText('Saved').waitFor({ timeout: DEADLINE_MS });
  t.match(await flagOf(app, 'theme'), {
    variants: { navy: '#00f', 'navy-dark': '#f00' },
    defaultVariant: 'navy',
    offVariant: 'navy-dark',
    rules: [
      { variant: 'navy' },
      {
        split: [
          { variant: 'navy', weight: 5000 },
          { variant: 'navy-dark', weight: 5000 },
        ],
      },
    ],
  });
  t.same(errors, [], 'no page errors');
});

t.test('a key is checked in words on its field, and suggested from a name', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, { environment: 'development', key: 'taken' });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await page.goto(`${base}/ui/flags?environment=development`);
  await page.getByRole('button', { name: 'New flag' }).click();
  const dialog = page.getByRole('dialog', { name: 'New flag' });
  const key = dialog.getByLabel('Key');

  await key.fill('New Checkout');
  const suggestion = dialog.getByRole('button', { name: 'Use new-checkout' });
  await shows(t, 'a key is suggested from the name typed', () =>
    suggestion.waitFor({ timeout: DEADLINE_MS }),
  );
  await dialog.getByRole('button', { name: 'Create' }).click();
  t.equal(await key.getAttribute('aria-invalid'), 'true', 'the key is marked');
  t.match(await describedBy(key), /Use lowercase letters/, 'said in words, on the field');
  t.notMatch(await dialog.textContent(), /must match pattern/, 'not as the schema says it');
  t.equal(await dialog.getByRole('alert').count(), 0, 'nothing at the bottom of the dialog');
  await accessible(t, page, 'a key marked, a key suggested');
  await key.fill('new checkout');
  t.match(await describedBy(key), /No spaces/, 'the words follow what is wrong now');

  await suggestion.click();
  t.equal(await key.inputValue(), 'new-checkout');
  t.equal(await key.getAttribute('aria-invalid'), null, 'fixed, it is no longer marked');
  t.notMatch(await describedBy(key), /lowercase letters:|No spaces/, 'and the problem is gone');

  // The service's refusal of a taken key goes to the field, and goes once the key changes.
  await key.fill('taken');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await shows(t, 'a taken key is said on the field', () =>
    within(DEADLINE_MS, async () => (await key.getAttribute('aria-invalid')) === 'true', 50),
  );
  t.match(await describedBy(key), /already exists/);
  await key.fill('taken-2');
  t.equal(await key.getAttribute('aria-invalid'), null, 'a new key clears it');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { level: 1, name: 'taken-2' }).waitFor({ timeout: DEADLINE_MS });

  // The same for segments and environments.
  await page.goto(`${base}/ui/segments?environment=development`);
  await page.getByRole('button', { name: 'New segment' }).click();
  await page.getByRole('dialog').getByLabel('Key').fill('Beta Customers');
  await page.getByRole('button', { name: 'Use beta-customers' }).waitFor({ timeout: DEADLINE_MS });
  await page.keyboard.press('Escape');
  await page.goto(`${base}/ui/environments?environment=development`);
  const environmentKey = page.getByLabel('Key');
  await environmentKey.fill('QA Ünit');
  await page.getByRole('button', { name: 'Use qa-unit' }).click({ timeout: DEADLINE_MS });
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('status').getByText('Created environment qa-unit').waitFor({ timeout: DEADLINE_MS });
  t.pass('an environment is created with the suggested key');
  t.same(errors, [], 'no page errors');
});

t.test('Save waits for a change and says why; the playground drops an old answer', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, {
    environment: 'development',
    key: 'limit',
    description: 'Upload limit',
    type: 'number',
    variants: { small: 10, large: 100 },
    defaultVariant: 'small',
    enabled: true,
  });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await openFlag(page, base, 'limit');

  const save = page.getByRole('button', { name: 'Save' });
  t.ok(await save.isDisabled(), 'nothing to save: Save is disabled');
  t.match(await describedBy(save), /No unsaved changes/, 'and says why');
  const details = page.getByLabel('Description', { exact: true });
  await details.fill('Upload limit in MB');
  t.notOk(await save.isDisabled(), 'an edit enables it');
  await details.fill('Upload limit');
  t.ok(await save.isDisabled(), 'an edit taken back leaves nothing to save');

  await page.getByLabel('Value of variant small').fill('');
  t.equal(await page.getByText(/fix what is marked/i).count(), 1, 'what blocks a save is said once');
  await save.click();
  await page
    .getByRole('alert')
    .getByText(/fix what is marked/i)
    .waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.getByText(/fix what is marked/i).count(), 1, 'and once after Save was pressed');
  t.equal((await flagOf(app, 'limit')).variants.small, 10, 'nothing was sent');

  const playground = page.getByRole('region', { name: 'Playground' });
  await page.getByLabel('Targeting key').fill('user-1');
  await playground.getByRole('button', { name: 'Evaluate' }).click();
  await playground.getByText('STATIC').waitFor({ timeout: DEADLINE_MS });
  await page.getByLabel('Context (JSON)').fill('{"country": ');
  await playground.getByRole('button', { name: 'Evaluate' }).click();
  await playground.getByRole('alert').waitFor({ timeout: DEADLINE_MS });
  t.equal(await playground.getByText('STATIC').count(), 0, 'the old answer is gone beside the error');
  t.same(errors, [], 'no page errors');
});
