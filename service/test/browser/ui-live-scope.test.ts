// Live changes refresh only the data they touch, in Chromium: on a flag's page, a change to
// another flag fetches again what any flag may change (the flags that require this one) but not
// the flag itself, its environments, schedules or history, nor the segments; a change to the
// flag fetches those; a change to a segment fetches the segment picker's list, not the flag.
import type { Request } from 'playwright-core';
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, createSegment, within } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

/** What the page asks the API for, named by what it reads. */
const READS: Record<string, (url: URL) => boolean> = {
  flag: (url) => url.pathname === '/api/admin/flags/alpha',
  environments: (url) => url.pathname === '/api/admin/flags/alpha/environments',
  history: (url) => url.pathname === '/api/admin/flags/alpha/history',
  schedules: (url) =>
    url.pathname === '/api/admin/scheduled-changes' && url.searchParams.get('flag') === 'alpha',
  segments: (url) => url.pathname === '/api/admin/segments',
  requiredBy: (url) => url.pathname === '/api/admin/flags/alpha/required-by',
};

const change = async (app: App, url: string, payload: Record<string, unknown>) => {
  const res = await app.inject({ method: 'PATCH', url, headers: admin, payload });
  if (res.statusCode !== 200) throw new Error(`PATCH ${url}: ${res.statusCode} ${res.body}`);
};

t.test("a change to another flag does not fetch this flag's page again; a change to it does", async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, { key: 'alpha', description: 'The one on screen' });
  await createFlag(app, { key: 'beta', description: 'Another' });
  await createSegment(app, { key: 'staff', conditions: [] });
  const { page, errors } = await newPage(browser);

  const seen: { read: string; at: number }[] = [];
  let clock = 0;
  page.on('request', (request: Request) => {
    if (request.method() !== 'GET') return;
    const url = new URL(request.url());
    for (const [read, matches] of Object.entries(READS)) if (matches(url)) seen.push({ read, at: clock });
  });
  /** How many times `read` was fetched since `from`. */
  const count = (read: string, from = 1) => seen.filter((s) => s.read === read && s.at >= from).length;
  const fetched = (read: string, times: number, from = 1) =>
    within(DEADLINE_MS, async () => count(read, from) >= times, 20);

  await signIn(page, base, ADMIN_TOKEN);
  await page.goto(`${base}/ui/flags/alpha?environment=development`);
  await page.getByRole('button', { name: 'Save' }).waitFor({ timeout: DEADLINE_MS });
  // Everything the page shows has been asked for once before any change.
  for (const read of Object.keys(READS)) await fetched(read, 1, 0);
  clock = 1;

  await change(app, '/api/admin/flags/beta', { enabled: true });
  await shows(t, 'a change to beta fetches what any flag may change', () => fetched('requiredBy', 1));
  await change(app, '/api/admin/flags/alpha', { description: 'Changed elsewhere' });
  await shows(t, 'a change to alpha fetches alpha again', () => fetched('flag', 1));
  await page.getByLabel('Description', { exact: true }).waitFor({ timeout: DEADLINE_MS });
  await within(
    DEADLINE_MS,
    async () => (await page.getByLabel('Description', { exact: true }).inputValue()) === 'Changed elsewhere',
    50,
  );
  for (const read of ['environments', 'history', 'schedules']) await fetched(read, 1);
  await fetched('requiredBy', 2);
  // A last change to beta: its refetches are issued together, so once the one it makes is seen,
  // one it should not make would have been seen too.
  await change(app, '/api/admin/flags/beta', { enabled: false });
  await fetched('requiredBy', 3);
  t.same(
    { flag: count('flag'), environments: count('environments'), history: count('history') },
    { flag: 1, environments: 1, history: 1 },
    'alpha, its environments and history: fetched once, for the change to alpha only',
  );
  t.equal(count('schedules'), 1, "alpha's schedules: once");
  t.equal(count('segments'), 0, 'the segments: not fetched for flag changes');

  clock = 2;
  await change(app, '/api/admin/segments/staff', { description: 'People who work here' });
  await shows(t, 'a change to a segment fetches the segment picker again', () => fetched('segments', 1, 2));
  await change(app, '/api/admin/flags/beta', { enabled: true });
  await fetched('requiredBy', 1, 2);
  t.equal(count('flag', 2), 0, 'alpha: not fetched for a segment change');
  t.same(errors, [], 'no page errors');
});
