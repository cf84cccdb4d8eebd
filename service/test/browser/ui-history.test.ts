// Readable history in Chromium against a listening server: a flag's history reads as sentences,
// each event's diff shows on request and hides again, and links to its events in the audit log; the
// Audit screen filters by flag, person or token, action and time, says what a bad filter is, and
// loads more of a filtered log.
import t from 'tap';
import {
  ADMIN_TOKEN,
  admin,
  bearer,
  buildListeningApp,
  createFlag,
  mintToken,
  within,
} from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

const RULE =
  "added rule 'EU' with a 70/30 split between 'on' and 'off', when country is one of \"DE\", \"FR\"";

t.test('history in words, a diff on request, and a filtered audit log', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  const ci = await mintToken(app, { name: 'ci', scope: 'admin' });
  await createFlag(app, { key: 'checkout', environment: 'production' });
  const patch = (key: string, payload: Record<string, unknown>, headers = admin) =>
    app.inject({ method: 'PATCH', url: `/api/admin/flags/${key}?environment=production`, headers, payload });
  await patch('checkout', { enabled: true });
  await patch(
    'checkout',
    {
      rules: [
        {
          description: 'EU',
          conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }],
          split: [
            { variant: 'on', weight: 70 },
            { variant: 'off', weight: 30 },
          ],
        },
      ],
    },
    bearer(ci.token),
  );
  await createFlag(app, { key: 'busy', environment: 'production' }, bearer(ci.token));
  for (let i = 1; i <= 55; i++) await patch('busy', { description: `attempt ${i}` }, bearer(ci.token));

  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);

  // The flag's history: sentences, and the diff only when asked for.
  await page.goto(`${base}/ui/flags/checkout?environment=production`);
  const history = page.getByRole('region', { name: 'History' });
  await shows(t, 'the history says what the change did', () =>
    history.getByText(RULE).waitFor({ timeout: DEADLINE_MS }),
  );
  t.ok(await history.getByText('turned on in production').isVisible(), 'and the one before');
  const text = await history.innerText();
  t.notMatch(text, /updatedAt|createdAt|defaultValue|revision/, 'no bookkeeping fields on screen');
  const diffs = history.getByRole('list', { name: /^Changes of flag\.updated/ });
  t.equal(await diffs.count(), 0, 'no diff until asked for');
  const toggle = history.getByRole('button', { name: 'Show diff' }).first();
  t.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  await shows(t, 'Show diff shows the before and after', () =>
    diffs.first().waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await diffs.first().innerText(), /rules\[0\]\.description/, 'the diff names the field');
  const hide = history.getByRole('button', { name: 'Hide diff' });
  t.equal(await hide.getAttribute('aria-expanded'), 'true');
  await hide.click();
  await diffs.first().waitFor({ state: 'detached', timeout: DEADLINE_MS });
  t.pass('Hide diff hides it again');

  // The audit log, from the flag's history: filtered by the flag already.
  await history.getByRole('link', { name: 'Filter its events in the audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor({ timeout: DEADLINE_MS });
  const events = page.locator('li.event');
  // Counted from here: the page's security policy refuses a predicate evaluated inside it.
  const eventsShown = (n: number) => within(DEADLINE_MS, async () => (await events.count()) === n, 50);
  const filters = page.getByRole('search', { name: 'Filter the audit log' });
  t.equal(await filters.getByLabel('Flag').inputValue(), 'checkout', 'the flag filled in');
  await shows(t, 'filtered by flag', () =>
    page.getByText('created in production, off').waitFor({ timeout: DEADLINE_MS }),
  );
  await eventsShown(3);
  t.equal(await events.count(), 3, "the flag's three events");

  await filters.getByLabel('Person or token').fill('ci');
  await shows(t, 'and by token: the bootstrap token’s events go', () =>
    page.getByText('turned on in production').waitFor({ state: 'detached', timeout: DEADLINE_MS }),
  );
  await eventsShown(1);
  t.ok(await page.getByText(RULE).isVisible(), "ci's rule stays");

  await filters.getByLabel('Person or token').fill('');
  await filters.getByLabel('Action').selectOption('flag.created');
  await shows(t, 'by action: the creation only', async () => {
    await page.getByText(RULE).waitFor({ state: 'detached', timeout: DEADLINE_MS });
    await page.getByText('created in production, off').waitFor({ timeout: DEADLINE_MS });
  });
  t.equal(await events.count(), 1);

  await filters.getByLabel('From').fill('2030-01-01T00:00');
  await shows(t, 'a time range with nothing in it says so', () =>
    page.getByText('No events match these filters.').waitFor({ timeout: DEADLINE_MS }),
  );
  await filters.getByLabel('From').fill('');

  await filters.getByLabel('Flag').fill('Not A Key');
  const refusal = page.getByRole('alert');
  await shows(t, 'a bad filter shows the API’s reason', () => refusal.waitFor({ timeout: DEADLINE_MS }));
  t.match(await refusal.innerText(), /flagKey/);
  await accessible(t, page, 'audit with filters');

  // A long filtered log pages with Load more.
  await filters.getByRole('button', { name: 'Clear filters' }).click();
  const filtered = page.waitForResponse(
    (r) => r.url().includes('flagKey=busy') && r.url().includes('action=flag.'),
    { timeout: DEADLINE_MS },
  );
  await filters.getByLabel('Flag').fill('busy');
  await filters.getByLabel('Action').selectOption('flag.');
  await filtered;
  await eventsShown(50);
  t.equal(await events.count(), 50, 'a first page of 50');
  await page.getByRole('button', { name: 'Load more' }).click();
  await eventsShown(56);
  t.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0, 'all 56, and no more to load');
  const sentences = await page.locator('li.event .event-summary').allInnerTexts();
  t.equal(sentences[0], 'changed the description to "attempt 55"', 'newest first');
  t.equal(sentences.at(-1), 'created in production, off', 'the creation last');
  t.equal(new Set(sentences).size, 56, 'each event once');
  t.same(errors, []);
});
