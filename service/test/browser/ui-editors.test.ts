// Component tests of the web UI's rule and split editors, in Chromium: mounted alone (no API),
// driven by role and label as a person would, checked on the API shapes they hand back.
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { bundle, launchBrowser, openPage } from '../helpers/browser.ts';

const harness = await bundle(new URL('../../ui/test/editors-harness.tsx', import.meta.url), {
  jsx: 'automatic',
  jsxImportSource: 'preact',
});

interface Change {
  value: Record<string, unknown> & { split?: { variant: string; weight: number }[] };
  valid: boolean;
}

/** What the page threw, checked at the end of each test. */
let pageErrors: string[] = [];

async function mounted(t: Test, mount: string, ...args: unknown[]) {
  const browser = await launchBrowser(t);
  if (!browser) return undefined;
  const { page, errors } = await openPage(browser, 'http://127.0.0.1:9', harness, '/editors.html');
  pageErrors = errors;
  await page.evaluate(
    ([name, rest]) =>
      (globalThis as never as Record<string, (...a: unknown[]) => void>)[name as string]!(
        ...(rest as unknown[]),
      ),
    [mount, args] as const,
  );
  return page;
}

const lastChange = (page: Page) =>
  page.evaluate(() => (globalThis as never as { changes: Change[] }).changes.at(-1)) as Promise<Change>;

t.test('the split editor: percentages in, basis points out, 100 % or an alert', async (t) => {
  const page = await mounted(
    t,
    'mountSplit',
    [
      { variant: 'on', weight: 5000 },
      { variant: 'off', weight: 5000 },
    ],
    { variants: ['on', 'off', 'beta'] },
  );
  if (!page) return;
  const on = page.getByLabel('on weight in percent');
  const off = page.getByLabel('off weight in percent');
  t.equal(await on.inputValue(), '50');
  t.equal(await off.inputValue(), '50');
  t.equal(await page.getByRole('alert').count(), 0, 'a split that adds up shows no alert');

  await on.fill('33.33');
  t.same(await lastChange(page), {
    value: [
      { variant: 'on', weight: 3333 },
      { variant: 'off', weight: 5000 },
    ],
    valid: false,
  });
  t.equal(await page.getByRole('alert').textContent(), 'Weights must add up to 100 % (now 83.33 %)');

  await off.fill('66.67');
  t.same(await lastChange(page), {
    value: [
      { variant: 'on', weight: 3333 },
      { variant: 'off', weight: 6667 },
    ],
    valid: true,
  });
  t.equal(await page.getByRole('alert').count(), 0);

  await off.fill('66.675');
  t.equal((await lastChange(page)).valid, false, 'three decimals are refused');
  t.match(await page.getByRole('alert').textContent(), /at most two decimals/);

  await page.getByRole('button', { name: 'Add to split' }).click();
  await page.getByRole('button', { name: 'Split evenly' }).click();
  t.same(await lastChange(page), {
    value: [
      { variant: 'on', weight: 3334 },
      { variant: 'off', weight: 3333 },
      { variant: 'beta', weight: 3333 },
    ],
    valid: true,
  });
  t.equal(await page.getByLabel('beta weight in percent').inputValue(), '33.33');

  await page.getByRole('button', { name: 'Remove beta from the split' }).click();
  t.same(await lastChange(page), {
    value: [
      { variant: 'on', weight: 3334 },
      { variant: 'off', weight: 3333 },
    ],
    valid: false,
  });
  t.equal(await page.getByRole('alert').textContent(), 'Weights must add up to 100 % (now 66.67 %)');
  t.same(pageErrors, [], 'no page errors');
});

t.test('a read-only split editor changes nothing', async (t) => {
  const page = await mounted(t, 'mountSplit', [{ variant: 'on', weight: 10000 }], {
    variants: ['on', 'off'],
    disabled: true,
  });
  if (!page) return;
  t.ok(await page.getByLabel('on weight in percent').isDisabled());
  t.ok(await page.getByRole('button', { name: 'Split evenly' }).isDisabled());
  t.ok(await page.getByRole('button', { name: 'Add to split' }).isDisabled());
  t.same(pageErrors, [], 'no page errors');
});

t.test('a split saved with another total: percentages of it, kept as it is until edited', async (t) => {
  const page = await mounted(
    t,
    'mountSplit',
    [
      { variant: 'on', weight: 1 },
      { variant: 'off', weight: 2 },
    ],
    { variants: ['on', 'off'] },
  );
  if (!page) return;
  t.equal(await page.getByLabel('on weight in percent').inputValue(), '33.33');
  t.equal(await page.getByLabel('off weight in percent').inputValue(), '66.67');
  t.equal(await page.getByRole('alert').count(), 0, 'a valid split of any total shows no alert');
  t.match(await page.getByText('Saved as weights 1 : 2 (total 3)').textContent(), /basis points/);
  t.equal(await page.evaluate(() => (globalThis as never as { changes: Change[] }).changes.length), 0);

  await page.getByLabel('off weight in percent').fill('66.66');
  t.same(await lastChange(page), {
    value: [
      { variant: 'on', weight: 3333 },
      { variant: 'off', weight: 6666 },
    ],
    valid: false,
  });
  await page.getByLabel('off weight in percent').fill('66.67');
  t.same(await lastChange(page), {
    value: [
      { variant: 'on', weight: 3333 },
      { variant: 'off', weight: 6667 },
    ],
    valid: true,
  });
  t.equal(await page.getByText('Saved as weights').count(), 0, 'now basis points');
  t.same(pageErrors, [], 'no page errors');
});

t.test('the rule editor: a split shows and edits its bucketing attribute and seed', async (t) => {
  const page = await mounted(
    t,
    'mountRule',
    {
      split: [
        { variant: 'on', weight: 1 },
        { variant: 'off', weight: 1 },
      ],
      bucketBy: 'companyId',
      seed: 'pricing',
    },
    { variants: ['on', 'off'] },
  );
  if (!page) return;
  const bucketBy = page.getByLabel('Bucket by attribute');
  const seed = page.getByLabel('Seed');
  t.equal(await bucketBy.inputValue(), 'companyId');
  t.equal(await seed.inputValue(), 'pricing');
  t.equal(await page.getByLabel('on weight in percent').inputValue(), '50');

  await bucketBy.fill('accountId');
  t.same(await lastChange(page), {
    value: {
      split: [
        { variant: 'on', weight: 1 },
        { variant: 'off', weight: 1 },
      ],
      bucketBy: 'accountId',
      seed: 'pricing',
    },
    valid: true,
  });
  await seed.fill('');
  t.notOk('seed' in (await lastChange(page)).value, 'an empty seed is left out: the flag key');
  await seed.fill('experiments-2026');
  t.equal((await lastChange(page)).value.seed, 'experiments-2026');

  await page.getByRole('radio', { name: 'One variant' }).check();
  const one = (await lastChange(page)).value;
  t.notOk('bucketBy' in one || 'seed' in one, 'one variant: no bucketing');
  t.equal(await page.getByLabel('Bucket by attribute').count(), 0);
  t.same(pageErrors, [], 'no page errors');
});

t.test('the rule editor: conditions, segments, a variant or a split, in the API shape', async (t) => {
  const page = await mounted(
    t,
    'mountRule',
    { variant: 'off' },
    { variants: ['on', 'off'], segments: ['staff', 'beta-testers'] },
  );
  if (!page) return;
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Attribute').fill('country');
  await page.getByLabel('Operator').selectOption('in');
  await page.getByLabel('Values (comma-separated)').fill('DE, FR');
  t.same(await lastChange(page), {
    value: { conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }], variant: 'off' },
    valid: true,
  });

  await page.getByLabel('Operator').selectOption('exists');
  t.equal(await page.getByLabel('Values (comma-separated)').count(), 0, '`exists` takes no value');
  t.same((await lastChange(page)).value.conditions, [{ attribute: 'country', operator: 'exists' }]);

  await page.getByLabel('Operator').selectOption('lt');
  await page.getByLabel('Value', { exact: true }).fill('');
  t.equal((await lastChange(page)).valid, false, 'lt needs a number');
  await page.getByLabel('Value', { exact: true }).fill('18');
  t.same(await lastChange(page), {
    value: { conditions: [{ attribute: 'country', operator: 'lt', value: 18 }], variant: 'off' },
    valid: true,
  });

  await page.getByRole('checkbox', { name: 'staff' }).check();
  t.same((await lastChange(page)).value.segments, ['staff']);

  await page.getByRole('radio', { name: 'A percentage split' }).check();
  const split = await lastChange(page);
  t.same(split.value.split, [
    { variant: 'on', weight: 5000 },
    { variant: 'off', weight: 5000 },
  ]);
  t.notOk('variant' in split.value, 'a split rule sends no variant');
  t.equal(split.valid, true);
  await page.getByLabel('on weight in percent').fill('10');
  t.equal((await lastChange(page)).valid, false, 'the rule is invalid while its split does not add up');
  await page.getByLabel('off weight in percent').fill('90');
  t.same(await lastChange(page), {
    value: {
      conditions: [{ attribute: 'country', operator: 'lt', value: 18 }],
      segments: ['staff'],
      split: [
        { variant: 'on', weight: 1000 },
        { variant: 'off', weight: 9000 },
      ],
    },
    valid: true,
  });

  await page.getByRole('radio', { name: 'One variant' }).check();
  const back = await lastChange(page);
  t.notOk('split' in back.value, 'one variant again: the split is gone');
  t.equal(typeof back.value.variant, 'string');

  await page.getByRole('button', { name: 'Remove condition 1' }).click();
  t.notOk('conditions' in (await lastChange(page)).value, 'no conditions: the key is left out');
  t.same(pageErrors, [], 'no page errors');
});
