// An environment's flagd section in the web UI, in Chromium: the export downloads the document the
// read API serves; the sync settings give a provider snippet with this service's host, the sync
// port and the environment's selector; an import is dry-run first (creates, changes as diffs,
// refusals by flag and construct), then applied, after which the flag is in the flags list. A
// production import asks first; a read session sees the export and the snippet, and no import.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, mintToken, within } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

/** The sync service's settings for the page: a port, and development served without a token. */
const SYNC_ENV = { SYNC_PORT: '0', SYNC_OPEN_ENVIRONMENTS: 'development' };

type App = Awaited<ReturnType<typeof buildListeningApp>>['app'];

/** A flag Flagstone can hold: on, with a rule on the plan. */
const importable = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '===': [{ var: 'plan' }, 'pro'] }, 'on', 'off'] },
};

/** A flag deciding by the time of evaluation, which Flagstone cannot hold. */
const timed = {
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting: { if: [{ '>': [{ var: '$flagd.timestamp' }, 1_800_000_000] }, 'on', 'off'] },
};

/** `existing`, created off by the test, turned on. */
const existingOn = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

const documentOf = (flags: Record<string, unknown>) => JSON.stringify({ flags }, null, 2);

async function openEnvironment(t: Test, page: Page, base: string, environment: string) {
  await page.goto(`${base}/ui/environments?environment=${environment}`);
  await page.getByRole('link', { name: environment, exact: true }).click();
  await shows(t, `the page of ${environment}`, () =>
    page.getByRole('heading', { level: 1, name: environment }).waitFor({ timeout: DEADLINE_MS }),
  );
}

const status = (page: Page, text: string | RegExp) => page.getByRole('status').filter({ hasText: text });

async function flagdDocument(app: App, environment: string) {
  const res = await app.inject({ url: `/api/config/flagd?environment=${environment}`, headers: admin });
  return res.json() as { flags: Record<string, unknown>; metadata: { version: string } };
}

t.test('export, sync settings, a dry run with a refusal, then an import', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t, { env: SYNC_ENV });
  await createFlag(app, { environment: 'development', key: 'existing' });
  const { page, errors, context } = await newPage(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await signIn(page, base, ADMIN_TOKEN);
  await openEnvironment(t, page, base, 'development');

  // Export: the revision and size of the document, and a download of it.
  const exportCard = page.getByRole('region', { name: 'Export' });
  const served = await flagdDocument(app, 'development');
  await shows(t, 'the export says the size and revision', () =>
    exportCard.getByText(/\d+ bytes/).waitFor({ timeout: DEADLINE_MS }),
  );
  t.match(await exportCard.textContent(), `Revision${served.metadata.version}`, 'the revision');
  t.match(await exportCard.textContent(), /Flags\s*1\s*Size\s*\d+ bytes/, 'one flag, its size');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: DEADLINE_MS }),
    exportCard.getByRole('button', { name: 'Download flagd document' }).click(),
  ]);
  t.equal(download.suggestedFilename(), 'flagd-development.json');
  const saved = JSON.parse(await readFile(await download.path(), 'utf8'));
  t.same(saved, served, 'the file is the document GET /api/config/flagd serves');
  await status(page, 'Downloaded flagd-development.json').waitFor({ timeout: DEADLINE_MS });

  // Sync settings: this host, the port, the selector; development is open.
  const sync = page.getByRole('region', { name: 'Sync for in-process providers' });
  await sync.getByRole('tab', { name: 'Node' }).waitFor({ timeout: DEADLINE_MS });
  const { selector } = (
    await app.inject({ url: '/api/admin/flagd/sync?environment=development', headers: admin })
  ).json();
  const port = app.sync.port;
  t.match(
    await sync.textContent(),
    new RegExp(`Host\\s*127\\.0\\.0\\.1\\s*Port\\s*${port}\\s*Selector`),
    'host and port',
  );
  t.match(await sync.textContent(), /Open: no token needed/);
  const panel = sync.getByRole('tabpanel');
  const node = await panel.locator('pre').textContent();
  t.match(node, "resolverType: 'in-process'");
  t.match(node, 'host: "127.0.0.1"');
  t.match(node, `port: ${port}`);
  t.match(node, `selector: ${JSON.stringify(selector)}`);
  await panel.getByRole('button', { name: 'Copy' }).click();
  await status(page, 'Copied').waitFor({ timeout: DEADLINE_MS });
  t.equal(
    await page.evaluate<string>('navigator.clipboard.readText()'),
    node,
    'the snippet is on the clipboard',
  );
  // Tabs by keyboard: the arrow keys move to the next language.
  await sync.getByRole('tab', { name: 'Node' }).focus();
  await page.keyboard.press('ArrowRight');
  t.equal(await sync.getByRole('tab', { name: 'Go' }).getAttribute('aria-selected'), 'true');
  t.match(await panel.locator('pre').textContent(), `flagd.WithPort(${port})`);
  await page.keyboard.press('ArrowRight');
  t.match(await panel.locator('pre').textContent(), '.resolverType(Config.Resolver.IN_PROCESS)');
  await page.keyboard.press('ArrowRight');
  t.match(await panel.locator('pre').textContent(), 'resolver_type=ResolverType.IN_PROCESS');
  await accessible(t, page, 'an environment with its flagd section');

  // Import: not JSON is said on the field; a document with a construct Flagstone cannot hold is refused.
  const importCard = page.getByRole('region', { name: 'Import', exact: true });
  const field = importCard.getByLabel('flagd document (JSON)');
  const dryRun = importCard.getByRole('button', { name: 'Dry run' });
  const importButton = importCard.getByRole('button', { name: 'Import', exact: true });
  t.ok(await importButton.isDisabled(), 'no import before a dry run');
  await field.fill('{ "flags": ');
  await dryRun.click();
  t.equal(await field.getAttribute('aria-invalid'), 'true', 'not JSON: the field is marked');
  t.match(await importCard.textContent(), /This is not JSON/);

  await field.fill(documentOf({ 'imported-flag': importable, 'timed-flag': timed }));
  await dryRun.click();
  const refusals = importCard.getByRole('table', { name: 'Refusals' });
  await shows(t, 'the dry run lists the refusal', () => refusals.waitFor({ timeout: DEADLINE_MS }));
  const refusal = refusals.getByRole('row', { name: /timed-flag/ });
  t.equal(await refusal.count(), 1, 'the refused flag is named');
  t.match(await refusal.textContent(), /\$flagd\.timestamp|timestamp/i, 'with its construct');
  t.match(await importCard.getByRole('list', { name: 'Creates' }).textContent(), 'imported-flag');
  t.ok(await importButton.isDisabled(), 'a refusal: no import');
  await accessible(t, page, 'a dry run with a refusal');
  t.notOk((await flagdDocument(app, 'development')).flags['imported-flag'], 'a dry run writes nothing');

  // Without the refused flag, and with a change of an existing flag: the dry run allows the import.
  await field.fill(documentOf({ 'imported-flag': importable, existing: existingOn }));
  t.ok(await importButton.isDisabled(), 'the document changed: the dry run no longer holds');
  await dryRun.click();
  await shows(t, 'the dry run lists the change as a diff', () =>
    importCard.getByRole('list', { name: 'Changes of flag existing' }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.equal(await refusals.count(), 0, 'nothing refused');
  t.match(await importCard.textContent(), /1 to create · 1 to change/);
  await within(DEADLINE_MS, () => importButton.isEnabled(), 50);
  await accessible(t, page, 'a dry run without refusals');
  await importButton.click();
  await shows(t, 'the import says the new revision', () =>
    status(page, /Imported into development: revision \d+/).waitFor({ timeout: DEADLINE_MS }),
  );
  const after = await flagdDocument(app, 'development');
  t.match(
    await status(page, 'Imported').textContent(),
    `revision ${after.metadata.version}`,
    'the revision the environment is at now',
  );
  t.ok(after.flags['imported-flag'], 'imported');
  t.match(after.flags.existing, { state: 'ENABLED', defaultVariant: 'on' }, 'changed');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
  await shows(t, 'the imported flag is in the flags list', () =>
    page.getByRole('link', { name: 'imported-flag' }).waitFor({ timeout: DEADLINE_MS }),
  );
  t.same(errors, [], 'no page errors');
});

t.test('an import into production asks first', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t, { env: SYNC_ENV });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, ADMIN_TOKEN);
  await openEnvironment(t, page, base, 'production');
  const sync = page.getByRole('region', { name: 'Sync for in-process providers' });
  await sync.getByText('A read token', { exact: true }).waitFor({ timeout: DEADLINE_MS });
  t.match(
    await sync.textContent(),
    /cannot send one/,
    'a closed environment: the JS provider cannot sync it',
  );

  const importCard = page.getByRole('region', { name: 'Import', exact: true });
  await importCard.getByLabel('flagd document (JSON)').fill(documentOf({ 'prod-flag': importable }));
  await importCard.getByRole('button', { name: 'Dry run' }).click();
  const importButton = importCard.getByRole('button', { name: 'Import', exact: true });
  await within(DEADLINE_MS, () => importButton.isEnabled(), 50);

  // A change made elsewhere after the dry run: it no longer says what the import would do.
  await createFlag(app, { environment: 'production', key: 'made-meanwhile' });
  await shows(t, 'a change elsewhere puts the dry run out of date', () =>
    importCard.getByText('production changed since this dry run').waitFor({ timeout: DEADLINE_MS }),
  );
  t.ok(await importButton.isDisabled(), 'no import on an out-of-date dry run');
  await importCard.getByRole('button', { name: 'Dry run' }).click();
  await within(DEADLINE_MS, () => importButton.isEnabled(), 50);

  await importButton.click();
  const dialog = page.getByRole('dialog', { name: 'Import into production?' });
  await dialog.waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'the production import asked');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached', timeout: DEADLINE_MS });
  t.notOk((await flagdDocument(app, 'production')).flags['prod-flag'], 'cancelled: nothing written');

  await importButton.click();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await status(page, /Imported into production: revision \d+/).waitFor({ timeout: DEADLINE_MS });
  t.ok((await flagdDocument(app, 'production')).flags['prod-flag'], 'confirmed: imported');
  t.same(errors, [], 'no page errors');
});

t.test('a read session sees the export and the sync settings, and cannot import', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  // No SYNC_PORT: the page says the sync service is off and what turns it on.
  const { app, base } = await buildListeningApp(t);
  await createFlag(app, { environment: 'staging', key: 'seen' });
  const { token } = await mintToken(app, { name: 'viewer', scope: 'read' });
  const { page, errors } = await newPage(browser);
  await signIn(page, base, token);
  await openEnvironment(t, page, base, 'staging');

  const exportCard = page.getByRole('region', { name: 'Export' });
  await exportCard.getByText(/Size\s*\d+ bytes/).waitFor({ timeout: DEADLINE_MS });
  t.ok(await exportCard.getByRole('button', { name: 'Download flagd document' }).isEnabled(), 'export');
  const sync = page.getByRole('region', { name: 'Sync for in-process providers' });
  await sync.getByText('The sync service is off').waitFor({ timeout: DEADLINE_MS });
  t.match(await sync.textContent(), /SYNC_PORT/, 'and what turns it on');

  const importCard = page.getByRole('region', { name: 'Import', exact: true });
  t.ok(await importCard.getByLabel('flagd document file').isDisabled(), 'no file picker');
  t.ok(await importCard.getByLabel('flagd document (JSON)').isDisabled(), 'no document field');
  t.ok(await importCard.getByRole('button', { name: 'Dry run' }).isDisabled(), 'no dry run');
  t.ok(await importCard.getByRole('button', { name: 'Import', exact: true }).isDisabled(), 'no import');
  t.match(await importCard.textContent(), /A read session cannot import/);
  await accessible(t, page, 'an environment, read-only');
  t.same(errors, [], 'no page errors');
});

t.test(
  'a session limited to one environment reaches its page, also by a link without the query',
  async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const { app, base } = await buildListeningApp(t, { env: SYNC_ENV });
    const { token } = await mintToken(app, { name: 'prod-admin', scope: 'admin', environment: 'production' });
    const { page, errors } = await newPage(browser);
    await signIn(page, base, token);

    await page.goto(`${base}/ui/environments?environment=production`);
    await page.getByRole('link', { name: 'production and flagd' }).click();
    await page.getByRole('heading', { level: 1, name: 'production' }).waitFor({ timeout: DEADLINE_MS });
    t.equal(await page.getByRole('navigation', { name: 'Breadcrumb' }).count(), 0, 'no list to go back to');
    const importCard = page.getByRole('region', { name: 'Import', exact: true });
    t.ok(
      await importCard.getByRole('button', { name: 'Dry run' }).isEnabled(),
      'an admin session may import',
    );

    // A link naming its environment in the path alone shows that environment.
    await page.goto(`${base}/ui/environments/production`);
    await page.getByRole('heading', { level: 1, name: 'production' }).waitFor({ timeout: DEADLINE_MS });
    const sync = page.getByRole('region', { name: 'Sync for in-process providers' });
    await sync.getByText('flagSetId=production', { exact: true }).waitFor({ timeout: DEADLINE_MS });
    t.match(page.url(), /\/ui\/environments\/production/);

    // Another environment's page shows its own, and says so.
    await page.goto(`${base}/ui/environments/staging`);
    await shows(t, 'a link to another environment says what is shown instead', () =>
      page.getByRole('alert').filter({ hasText: 'staging' }).waitFor({ timeout: DEADLINE_MS }),
    );
    await page.getByRole('heading', { level: 1, name: 'production' }).waitFor({ timeout: DEADLINE_MS });
    t.match(page.url(), /\/ui\/environments\/production\?environment=production/);
    t.same(errors, [], 'no page errors');
  },
);
