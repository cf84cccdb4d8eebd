// The web UI in Chromium for browser tests: a fresh page that collects what the page threw, a
// sign-in with a token, and a wait that reports how long the page took to show something.
import type { Browser, Page } from 'playwright-core';
import type { Test } from 'tap';

/** How long the page may take to show what a test waits for; the time it took is reported. */
export const DEADLINE_MS = 15_000;

export async function newPage(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // The browser logs every refused request (401, 403, 409, 412) too; those are the API's answers.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      errors.push(message.text());
  });
  return { page, errors, context };
}

export async function signIn(page: Page, base: string, token: string) {
  await page.goto(`${base}/ui/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: DEADLINE_MS });
}

/** Waits for what the page should come to show, and says how long it took. */
export async function shows(t: Test, what: string, wait: () => Promise<unknown>) {
  const started = performance.now();
  await wait();
  t.pass(`${what} (${Math.round(performance.now() - started)} ms)`);
}
