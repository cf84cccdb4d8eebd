// The web UI in Chromium against a listening server: a flag's Environments panel shows it in every
// environment with a switch each (flipping one changes that environment only), and Promote copies
// it from one environment to another after showing the diff, the segment it creates included.
import t from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp, createFlag, createSegment } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accessible, DEADLINE_MS, newPage, shows, signIn } from '../helpers/ui-page.ts';

t.test(
  'the Environments panel flips a switch per environment, and Promote applies what it previewed',
  async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const { app, base } = await buildListeningApp(t);
    await createSegment(app, {
      key: 'beta',
      environment: 'staging',
      description: 'beta testers',
      conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }],
    });
    await createFlag(app, {
      key: 'checkout',
      environment: 'staging',
      type: 'string',
      variants: { blue: 'blue', green: 'green' },
      defaultVariant: 'blue',
      rules: [{ segments: ['beta'], variant: 'green' }],
    });
    await createFlag(app, {
      key: 'checkout',
      environment: 'development',
      type: 'string',
      variants: { blue: 'blue' },
      defaultVariant: 'blue',
    });
    await createFlag(app, {
      key: 'checkout',
      environment: 'production',
      type: 'string',
      defaultValue: 'blue',
    });
    await app.inject({
      method: 'PATCH',
      url: '/api/admin/environments/production',
      headers: admin,
      payload: { protected: true },
    });
    await app.inject({
      method: 'POST',
      url: '/api/admin/environments',
      headers: admin,
      payload: { key: 'qa' },
    });
    const read = async (environment: string) =>
      (
        await app.inject({ url: `/api/config/flags/checkout?environment=${environment}`, headers: admin })
      ).json();

    const { page, errors } = await newPage(browser);
    await signIn(page, base, ADMIN_TOKEN);
    await page.goto(`${base}/ui/flags/checkout?environment=staging`);
    const panel = page.getByRole('region', { name: 'Environments' });
    const table = panel.getByRole('table', { name: 'checkout in each environment' });
    // Folded at first: the page's own switch is the only one in view.
    await panel.waitFor({ timeout: DEADLINE_MS });
    t.equal(await page.getByRole('switch').count(), 1, 'one switch until the panel is opened');
    await panel.getByText('Show checkout in every environment').click();
    await shows(t, 'the panel lists every environment', () =>
      table.getByRole('row', { name: /qa/ }).waitFor({ timeout: DEADLINE_MS }),
    );
    t.match(await table.getByRole('row', { name: /qa/ }).innerText(), /Not in qa/, 'qa has no such flag');
    t.match(await table.getByRole('row', { name: /production/ }).innerText(), /protected/);

    // Flip development's switch from the staging page: development only changes.
    const devSwitch = panel.getByRole('switch', { name: 'Enable checkout in development' });
    t.equal(await devSwitch.getAttribute('aria-checked'), 'false');
    await devSwitch.click();
    await shows(t, 'development is on', async () => {
      await panel.getByRole('switch', { name: 'Enable checkout in development', checked: true }).waitFor({
        timeout: DEADLINE_MS,
      });
    });
    t.equal((await read('development')).enabled, true, 'the service has development on');
    t.equal((await read('staging')).enabled, false, 'staging unchanged');
    await accessible(t, page, 'the flag page with its Environments panel');

    // Production is protected: its switch proposes, after asking.
    await panel.getByRole('switch', { name: 'Enable checkout in production' }).click();
    const ask = page.getByRole('dialog', { name: 'Propose turning on checkout in production?' });
    await ask.getByRole('button', { name: 'Confirm' }).click();
    await shows(t, 'the flip is proposed', () =>
      panel.getByText('Proposed turning checkout on in production').waitFor({ timeout: DEADLINE_MS }),
    );
    t.equal((await read('production')).enabled, false, 'production waits for approval');
    const requests = await app.inject({
      url: '/api/admin/change-requests?environment=production&state=open',
      headers: admin,
    });
    t.match(requests.json().changeRequests, [
      { kind: 'flag.update', target: 'checkout', change: { enabled: true } },
    ]);

    // Promote staging → development: preview first, then apply.
    await panel.getByRole('button', { name: 'Promote…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Promote checkout' });
    await dialog.getByLabel('From').selectOption('staging');
    await dialog.getByRole('checkbox', { name: /^development/ }).check();
    await dialog.getByRole('button', { name: 'Preview changes' }).click();
    const flagDiff = dialog.getByRole('list', { name: 'Changes to checkout in development' });
    await shows(t, 'the preview shows the diff', () => flagDiff.waitFor({ timeout: DEADLINE_MS }));
    t.match(await flagDiff.innerText(), /variants\.green/, 'the new variant is in the diff');
    t.match(await flagDiff.innerText(), /rules\[0\]/, 'the rule is in the diff');
    t.match(await dialog.innerText(), /Segment beta: created/);
    await dialog.getByRole('list', { name: 'Changes to segment beta in development' }).waitFor();
    t.equal((await read('development')).version, 2, 'a preview writes nothing');
    await accessible(t, page, 'the promote dialog with its preview');

    await dialog.getByRole('button', { name: 'Promote to development' }).click();
    await shows(t, 'the dialog closes and says what it did', async () => {
      await dialog.waitFor({ state: 'detached', timeout: DEADLINE_MS });
      await panel
        .getByRole('status')
        .filter({ hasText: /Promoted 'checkout' from 'staging'/ })
        .waitFor({
          timeout: DEADLINE_MS,
        });
    });
    const promoted = await read('development');
    t.same(promoted.variants, { blue: 'blue', green: 'green' });
    t.same(promoted.rules, [{ segments: ['beta'], variant: 'green' }]);
    t.equal(promoted.enabled, true, 'development keeps its own on/off');
    const segment = await app.inject({
      url: '/api/admin/segments/beta?environment=development',
      headers: admin,
    });
    t.equal(segment.statusCode, 200, 'the segment was created in development');
    await shows(t, 'the panel shows the new rule count', () =>
      table
        .getByRole('row', { name: /development/ })
        .filter({ hasText: 'segments: beta' })
        .waitFor({ timeout: DEADLINE_MS }),
    );
    t.same(errors, [], 'the page threw nothing');
  },
);
