// The web UI in Chromium: the flags list shows when each flag was last evaluated ("never" for one
// that was not) and, with "Stale only", the stale flags and why; a flag's page charts its
// evaluations and lists the totals per variant.
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

t.test('last evaluated in the list, stale flags with their reasons, and the usage chart', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t, { env: { USAGE_FLUSH_SECONDS: '3600' } });
  await createFlag(app, { key: 'used', enabled: true });
  await createFlag(app, { key: 'idle', description: 'nobody asks', enabled: true });
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/used',
      headers: admin,
      payload: { context: {} },
    });
    t.equal(res.statusCode, 200);
  }
  await app.usage.flush();
  // Forty days pass for the idle flag.
  await app.database.client.$executeRaw`
    UPDATE flags SET created_at = created_at - interval '40 days', updated_at = updated_at - interval '40 days'
    WHERE key = 'idle'`;

  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await page.goto(`${base}/ui/flags`);
  const row = (key: string) =>
    page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: key }) });
  await shows(t, 'the list has a Last evaluated column: just now, and never', async () => {
    await page.getByRole('columnheader', { name: 'Last evaluated' }).waitFor({ timeout: DEADLINE_MS });
    // Key, then Description, Type, Enabled, Updated, Last evaluated.
    const lastEvaluated = (key: string) => row(key).getByRole('cell').nth(4);
    await lastEvaluated('used').getByText('just now').waitFor({ timeout: DEADLINE_MS });
    await lastEvaluated('idle').getByText('never').waitFor({ timeout: DEADLINE_MS });
  });

  await page.getByLabel('Stale only').check();
  await shows(t, 'Stale only lists the idle flag with why, and not the used one', async () => {
    await row('idle')
      .getByText('Never evaluated since it was created 40 days ago.')
      .waitFor({ timeout: DEADLINE_MS });
    await page.getByRole('columnheader', { name: 'Stale because' }).waitFor({ timeout: DEADLINE_MS });
  });
  t.equal(await row('used').count(), 0, 'the used flag is not stale');
  await accessible(t, page, 'stale flags');

  await page.goto(`${base}/ui/flags/used`);
  const usage = page.getByRole('region', { name: 'Usage' });
  await shows(t, "the flag's page charts its evaluations and totals them per variant", async () => {
    await usage
      .getByRole('img', { name: /^Evaluations per hour: 5 in \d+ hours/ })
      .waitFor({ timeout: DEADLINE_MS });
    await usage
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'on' }) })
      .getByText('5')
      .waitFor({ timeout: DEADLINE_MS });
    await usage.getByText('just now').waitFor({ timeout: DEADLINE_MS });
  });
  await usage.getByLabel('Counts per').selectOption('day');
  await shows(t, 'and per day', () =>
    usage.getByRole('img', { name: /^Evaluations per day: 5 in \d+ days/ }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'flag page with usage');
  t.same(errors, [], 'no errors in the page');
});
