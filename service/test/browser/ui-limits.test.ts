// What the web UI offers follows what the session and the data allow, in Chromium: a read token
// limited to one environment sees that environment only (no environments screen, no create
// buttons) and is told when a link names another; a segment that flags use says which, linked,
// in place of a Delete the service would refuse.
import t from 'tap';
import {
  ADMIN_TOKEN,
  admin,
  buildListeningApp,
  createFlag,
  createSegment,
  mintToken,
} from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

t.test('a read token limited to production sees production only, and is told so', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, { environment: 'production', key: 'prod-flag' });
  await createFlag(app, { environment: 'development', key: 'dev-flag' });
  const { token } = await mintToken(app, { name: 'prod-reader', scope: 'read', environment: 'production' });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, token);

  await page.goto(`${base}/ui/flags?environment=development`);
  const notice = page.getByRole('alert').filter({ hasText: 'development' });
  await shows(t, 'a link to another environment says what is shown instead', () =>
    notice.waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await notice.textContent(), /“development”.*cannot see.*Showing production instead/);
  await page.getByRole('link', { name: 'prod-flag' }).waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.getByRole('link', { name: 'dev-flag' }).count(), 0, 'nothing of development is shown');
  t.match(page.url(), /environment=production/);
  await accessible(t, page, 'flags, limited to production, another environment asked for');

  const nav = page.getByRole('navigation', { name: 'Main' });
  t.same(
    await nav.getByRole('link').allTextContents(),
    ['Flags', 'Segments', 'Requests'],
    'the screens it may use (change requests are read like flags)',
  );
  t.equal(await page.getByRole('button', { name: 'New flag' }).count(), 0, 'no New flag');
  await nav.getByRole('link', { name: 'Segments' }).click();
  await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.getByRole('button', { name: 'New segment' }).count(), 0, 'no New segment');
  t.equal(await notice.count(), 0, 'the notice is about the link it came with');

  await page.goto(`${base}/ui/environments?environment=production`);
  await page.getByText('This session is limited to production').waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.getByRole('alert').count(), 0, 'no error, no empty table');
  t.equal(await page.getByRole('table').count(), 0);
  t.same(errors, [], 'no page errors');
});

t.test('a read token for every environment lists them and cannot create one', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  const { token } = await mintToken(app, { name: 'reader', scope: 'read' });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, token);
  await page.goto(`${base}/ui/environments?environment=production`);
  await page.getByRole('link', { name: 'staging' }).waitFor({ timeout: DEADLINE_MS });
  t.equal(await page.getByRole('button', { name: 'Create' }).count(), 0, 'no form to create one');
  t.equal(await page.getByLabel('Key').count(), 0);
  t.same(errors, [], 'no page errors');
});

t.test('a segment in use says by which flags instead of offering Delete', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createSegment(app, {
    environment: 'development',
    key: 'staff',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  for (const key of ['beta', 'gamma']) {
    await createFlag(app, {
      environment: 'development',
      key,
      rules: [{ segments: ['staff'], variant: 'on' }],
    });
  }
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await page.goto(`${base}/ui/segments/staff?environment=development`);
  const inUse = page.getByText(/In use by/);
  await shows(t, 'the segment says it is in use', () => inUse.waitFor({ timeout: DEADLINE_MS }));
  t.match(await inUse.textContent(), /In use by 2 flags/);
  await accessible(t, page, 'a segment in use');
  t.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0, 'no Delete to be refused');
  const usedBy = page.getByRole('region', { name: 'Used by' });
  t.same(await usedBy.getByRole('link').allTextContents(), ['beta', 'gamma'], 'by which flags, linked');
  await inUse.getByRole('link', { name: '2 flags' }).click();
  t.match(page.url(), /#.+-used$/, 'the count leads to the list');

  // The flags stop using it: Delete is offered, live, and works.
  for (const key of ['beta', 'gamma']) {
    await app.inject({
      method: 'PATCH',
      url: `/api/admin/flags/${key}?environment=development`,
      headers: admin,
      payload: { rules: [] },
    });
  }
  const remove = page.getByRole('button', { name: 'Delete' });
  await shows(t, 'once unused, Delete is offered', () => remove.waitFor({ timeout: DEADLINE_MS }));
  await remove.click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor({ timeout: DEADLINE_MS });
  const gone = await app.inject({ url: '/api/admin/segments/staff?environment=development', headers: admin });
  t.equal(gone.statusCode, 404, 'deleted');
  t.same(errors, [], 'no page errors');
});
