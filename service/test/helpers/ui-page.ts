// The web UI in Chromium for browser tests: a fresh page that collects what the page threw, a
// sign-in with a token, a wait that reports how long the page took to show something, and an
// accessibility check (axe).
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Locator, Page } from 'playwright-core';
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

/** Runs axe on the page as it is and fails on every serious or critical violation, named. */
export async function accessible(t: Test, page: Page, screen: string) {
  const { violations, passes } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  t.same(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `${screen}: no serious or critical violations (${passes.length} rules passed)`,
  );
}

/** The text of the elements that describe `field` (its aria-describedby), as a screen reader reads it. */
export async function describedBy(field: Locator) {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
  const texts = await Promise.all(ids.map((id) => field.page().locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}
