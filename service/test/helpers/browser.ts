// Debian's Chromium driven by playwright-core, for tests that need a real browser. Where Chromium
// is missing the tests are skipped with the reason, except in CI (CI=true), where that fails.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Test } from 'tap';

const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the networking flags Chromium keeps calling hosts a closed network cannot reach.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests cannot run here, or undefined when they can. */
export function noBrowser(): string | undefined {
  if (existsSync(EXECUTABLE)) return undefined;
  return `needs Chromium at ${EXECUTABLE} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

/** Skips the test (fails it in CI) when there is no Chromium; else a browser closed at teardown. */
export async function launchBrowser(t: Test): Promise<Browser | undefined> {
  const missing = noBrowser();
  if (missing) {
    if (process.env.CI) t.fail(missing);
    else t.skip(missing, () => {});
    return undefined;
  }
  const browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS });
  t.teardown(() => browser.close());
  return browser;
}

/** Bundles a browser script of the tests (TypeScript, with its npm imports) into one file. */
export async function bundle(entry: URL, options: BuildOptions = {}): Promise<string> {
  const result = await build({
    ...options,
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * Opens a page at `origin` + `path` whose HTML is served by the test itself (the browser's
 * requests for that one path never reach the server) and runs `script` as a module: the page
 * is of that origin, so what it fetches from the origin is same-origin.
 */
export async function openPage(browser: Browser, origin: string, script: string, path = '/test-page.html') {
  const page: Page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.route(`${origin}${path}`, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><title>test</title></head><body><script type="module">${script}</script></body></html>`,
    }),
  );
  await page.goto(`${origin}${path}`);
  return { page, errors };
}
