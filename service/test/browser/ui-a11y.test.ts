// Accessibility of every web UI screen, in Chromium with axe-core: sign-in (and its refusal),
// the flag list, the new-flag form, a confirmation, a flag's page, segments, a segment, the
// audit log, tokens (with a secret shown), environments, and the read-only flag list. No
// violation of serious or critical impact is allowed on any of them.
import AxeBuilder from '@axe-core/playwright';
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
import { accessible, DEADLINE_MS } from '../helpers/ui-page.ts';

t.test('every screen passes axe', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  await createSegment(app, {
    environment: 'production',
    key: 'staff',
    conditions: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }],
  });
  await createFlag(app, {
    environment: 'production',
    key: 'search-ranking',
    description: 'Ranking model',
    type: 'string',
    enabled: true,
    variants: { classic: 'bm25', learned: 'ltr-v2' },
    defaultVariant: 'classic',
    rules: [
      { segments: ['staff'], variant: 'learned' },
      {
        conditions: [{ attribute: 'country', operator: 'in', value: ['DE', 'FR'] }],
        split: [
          { variant: 'classic', weight: 5000 },
          { variant: 'learned', weight: 5000 },
        ],
      },
    ],
  });
  await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/search-ranking?environment=production',
    headers: admin,
    payload: { description: 'Ranking model served to search' },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const visit = async (path: string, ready: () => Promise<unknown>) => {
    await page.goto(`${base}${path}`);
    await ready();
  };

  await visit('/ui/', () => page.getByLabel('API token').waitFor({ timeout: DEADLINE_MS }));
  await accessible(t, page, 'sign-in');
  // The check can fail: a button without a name is a critical violation it reports.
  await page.evaluate(() => {
    const doc = (
      globalThis as unknown as { document: { body: { insertAdjacentHTML(p: string, h: string): void } } }
    ).document;
    doc.body.insertAdjacentHTML('beforeend', '<button id="nameless"></button>');
  });
  const canary = await new AxeBuilder({ page }).analyze();
  t.ok(
    canary.violations.some((v) => v.id === 'button-name' && v.impact === 'critical'),
    'a nameless button is reported',
  );
  await page.locator('#nameless').evaluate((button) => (button as unknown as { remove(): void }).remove());
  await page.getByLabel('API token').fill('fs_wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'sign-in refused');
  await page.getByLabel('API token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: DEADLINE_MS });

  await visit('/ui/flags?environment=production', () =>
    page.getByRole('link', { name: 'search-ranking' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'flags');
  await page.getByRole('button', { name: 'New flag' }).click();
  await page.getByLabel('Key').waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'new flag');
  await page.keyboard.press('Escape');
  await page.getByRole('switch', { name: /search-ranking/ }).click();
  await page.getByRole('dialog').waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'confirmation');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await visit('/ui/flags/search-ranking?environment=production', () =>
    page.getByRole('heading', { level: 1, name: 'search-ranking' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await page.getByLabel('Targeting key').fill('user-1');
  await page.getByRole('button', { name: 'Evaluate' }).click();
  await page
    .getByRole('region', { name: 'Playground' })
    .getByText('Reason')
    .waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'flag');

  await visit('/ui/segments?environment=production', () =>
    page.getByRole('link', { name: 'staff' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'segments');
  await page.getByRole('link', { name: 'staff' }).click();
  await page.getByRole('heading', { level: 1, name: 'staff' }).waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'segment');

  await visit('/ui/audit?environment=production', () =>
    page.getByText('flag.updated').first().waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'audit');

  await visit('/ui/tokens?environment=production', () =>
    page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await page.getByLabel('Name').fill('a11y');
  await page.getByRole('button', { name: 'Mint token' }).click();
  await page.getByLabel('Token secret').waitFor({ timeout: DEADLINE_MS });
  await accessible(t, page, 'tokens, a secret shown');

  await visit('/ui/environments?environment=production', () =>
    page.getByRole('heading', { level: 1, name: 'Environments' }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'environments');

  const { token } = await mintToken(app, { name: 'viewer', scope: 'read' });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in before the next page is asked for, or it would open on the sign-in form.
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: DEADLINE_MS });
  await visit('/ui/flags?environment=production', () =>
    page.getByRole('switch', { name: /search-ranking/ }).waitFor({ timeout: DEADLINE_MS }),
  );
  await accessible(t, page, 'flags, read-only');
});
