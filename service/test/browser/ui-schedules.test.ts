// The web UI in Chromium: on a flag's page, schedule turning it on, cancel that, schedule it
// again and watch it apply; a time in the past is refused with the service's words.
import type { Page } from 'playwright-core';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, describedBy, newPage, shows, signIn } from '../helpers/ui-page.ts';

/** A datetime-local value `offsetMs` from now, in the browser's own time zone. */
const localTime = (page: Page, offsetMs: number) =>
  page.evaluate((offset) => {
    const date = new Date(Date.now() + offset);
    return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  }, offsetMs);

t.test('schedule, cancel, schedule again and see it applied, on the flag page', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, { key: 'launch' });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await page.goto(`${base}/ui/flags/launch`);
  const section = page.getByRole('region', { name: 'Scheduled changes' });
  await shows(t, 'the section says nothing is scheduled', () =>
    section.getByText('Nothing scheduled.').waitFor({ timeout: DEADLINE_MS }),
  );
  const list = async () =>
    (await app.inject({ url: '/api/admin/scheduled-changes?flag=launch', headers: admin })).json()
      .scheduledChanges as { id: string; state: string; change: unknown }[];

  const when = section.getByLabel('Apply at (your local time)');
  const submit = section.getByRole('button', { name: 'Schedule', exact: true });
  await submit.click();
  t.equal(await describedBy(when), 'Choose the date and time to apply it at.', 'a missing time is named');
  t.equal(await when.getAttribute('aria-invalid'), 'true');

  await when.fill(await localTime(page, -3_600_000));
  await submit.click();
  await shows(t, "a past time is refused in the service's words", () =>
    section.getByRole('alert').filter({ hasText: 'is not in the future' }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.same(await list(), [], 'nothing scheduled');

  const change = section.getByLabel('Change', { exact: true });
  t.same(
    await change.locator('option').allInnerTexts(),
    ['Turn on', 'Turn off', 'Serve off by default'],
    'on, off, or another variant by default',
  );
  await change.selectOption({ label: 'Turn on' });
  await when.fill(await localTime(page, 3_600_000));
  await submit.click();
  const row = section.getByRole('row').filter({ hasText: 'Turn on' });
  await shows(t, 'the scheduled change is listed as pending, with who made it', () =>
    row.filter({ hasText: 'Pending' }).filter({ hasText: 'bootstrap' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await section
    .getByRole('status')
    .filter({ hasText: 'Scheduled: Turn on at' })
    .waitFor({ timeout: DEADLINE_MS });
  const [first] = await list();
  t.match(first, { state: 'pending', change: { enabled: true } });
  await accessible(t, page, 'flag page with a scheduled change');

  await row.getByRole('button', { name: /^Cancel the change scheduled for / }).click();
  await shows(t, 'the cancelled change says so', () =>
    row.filter({ hasText: 'Cancelled' }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal((await list())[0]?.state, 'cancelled', 'cancelled in the service');
  t.equal(await row.getByRole('button').count(), 0, 'a cancelled change has no Cancel button');

  await when.fill(await localTime(page, 7_200_000));
  await submit.click();
  await section.getByRole('row').filter({ hasText: 'Pending' }).waitFor({ timeout: DEADLINE_MS });
  const pending = (await list()).find((s) => s.state === 'pending')!;
  // Its time comes: moved to just past, the service applies it within its poll.
  await app.database.client.$executeRaw`
    UPDATE scheduled_changes SET apply_at = (now() AT TIME ZONE 'UTC') - interval '1 second' WHERE id = ${pending.id}::uuid`;
  await shows(t, 'the page shows it applied, and the flag on', async () => {
    await section.getByRole('row').filter({ hasText: 'Applied' }).waitFor({ timeout: 30_000 });
    await page
      .getByRole('switch')
      .and(page.locator('[aria-checked="true"]'))
      .waitFor({ timeout: DEADLINE_MS });
  });
  t.match((await app.inject({ url: '/api/admin/flags/launch', headers: admin })).json(), {
    enabled: true,
    version: 2,
  });
  await accessible(t, page, 'flag page with applied and cancelled changes');
  t.same(errors, []);
});
