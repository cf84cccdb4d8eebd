// Revoking tokens in the web UI, in Chromium: the last admin token for all environments is
// explained rather than offered for revocation; revoking the token you are signed in with says
// that it signs you out, and does; any other token gets the plain question.
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, admin, buildListeningApp } from '../helpers/app.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { signIn } from '../helpers/ui-page.ts';

/** How long the page may take to show what a test waits for. */
const DEADLINE_MS = 15_000;

async function revokeDialog(page: Page, name: string) {
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor({ timeout: DEADLINE_MS });
  return dialog;
}

async function closed(t: Test, page: Page, what: string) {
  await page.getByRole('dialog').waitFor({ state: 'detached', timeout: DEADLINE_MS });
  t.pass(what);
}

t.test('revoking a token says what it costs: the last admin token, your own, any other', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { app, base } = await buildListeningApp(t);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  // Signed in before going on: the screen after sign-in must not replace the Tokens screen.
  await signIn(page, base, ADMIN_TOKEN);
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByLabel('Name').waitFor({ timeout: DEADLINE_MS });

  // The bootstrap token is the only admin token for all environments (a read token does not count).
  await page.getByLabel('Name').fill('reader');
  await page.getByRole('button', { name: 'Mint token' }).click();
  await page.getByRole('button', { name: 'Done' }).click();
  let dialog = await revokeDialog(page, 'bootstrap');
  t.match(await dialog.getByRole('heading').textContent(), 'bootstrap cannot be revoked');
  t.match(
    await dialog.textContent(),
    /last admin token for all environments.*Mint another admin token for all environments first/s,
  );
  t.equal(await dialog.getByRole('button', { name: 'Confirm' }).count(), 0, 'nothing to confirm');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await closed(t, page, 'closed, nothing revoked');

  // Another admin token for all environments: its revocation is the plain question.
  await page.getByLabel('Name').fill('second-admin');
  await page.getByLabel('Scope').selectOption('admin');
  await page.getByRole('button', { name: 'Mint token' }).click();
  await page.getByRole('button', { name: 'Done' }).click();
  dialog = await revokeDialog(page, 'second-admin');
  t.match(await dialog.getByRole('heading').textContent(), /^Revoke second-admin\?$/);
  t.notMatch(await dialog.textContent(), /signed in|last admin token/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await closed(t, page, 'cancelled');

  // The token this session is signed in with: revoking it says it signs you out, and does.
  dialog = await revokeDialog(page, 'bootstrap');
  t.match(await dialog.getByRole('heading').textContent(), 'Revoke bootstrap and sign out?');
  t.match(await dialog.textContent(), /You are signed in with bootstrap: revoking it signs you out/);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByLabel('API token').waitFor({ timeout: DEADLINE_MS });
  t.pass('signed out, back at the sign-in form');
  const refused = await app.inject({ url: '/api/admin/tokens', headers: admin });
  t.equal(refused.statusCode, 401, 'the bootstrap token is revoked');
  t.same(errors, [], 'no page errors');
});
