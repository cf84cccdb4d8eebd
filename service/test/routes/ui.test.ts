// The web UI as the service serves it: the built page for every path under /ui with a strict
// Content-Security-Policy and no inline code, its assets named by content hash and cached for a
// year, and a clear 503 where the UI was not built.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import errors from '../../src/plugins/errors.ts';
import ui, { UI_DIST } from '../../src/routes/ui.ts';
import { admin, buildTestApp } from '../helpers/app.ts';

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';font-src 'self';object-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'";

t.test('the page, under every path of /ui, with a strict CSP and nothing inline', async (t) => {
  if (!existsSync(join(UI_DIST, 'index.html'))) {
    t.fail(`the web UI is not built at ${UI_DIST}: run make deps`);
    return;
  }
  const { app } = await buildTestApp(t);
  const page = await app.inject({ url: '/ui/' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.equal(page.headers['content-security-policy'], CSP);
  t.equal(page.headers['cache-control'], 'no-cache', 'a deploy reaches the next load');
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  t.equal(page.headers['referrer-policy'], 'no-referrer');

  const html = page.body;
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  t.ok(scripts.length > 0, 'the page loads a script');
  for (const [, attributes, body] of scripts) {
    t.match(attributes, /\bsrc="\/ui\/assets\/[\w.-]+\.js"/, 'every script is a file of this origin');
    t.equal(body!.trim(), '', 'and has no inline code');
  }
  t.notMatch(html, /<style\b/i, 'no inline style sheet');
  t.notMatch(html, /\sstyle=/i, 'no style attribute');
  t.notMatch(html, /\son[a-z]+=/i, 'no inline event handler');

  const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  t.ok(
    assets.some((a) => a.endsWith('.css')),
    'a style sheet file',
  );
  for (const asset of assets) {
    t.match(asset, /-[\w-]{8,}\.(js|css)$/, `${asset} is named by its content`);
    const res = await app.inject({ url: asset });
    t.equal(res.statusCode, 200, asset);
    t.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', asset);
    t.match(res.headers['content-type'], asset.endsWith('.js') ? /javascript/ : /text\/css/);
  }

  for (const url of ['/ui', '/ui/flags/new-checkout?environment=production', '/ui/tokens']) {
    const deep = await app.inject({ url });
    t.equal(deep.statusCode, 200, url);
    t.equal(deep.body, html, `${url} is the same page, which routes itself`);
  }
  const missing = await app.inject({ url: '/ui/assets/missing-0123abcd.js' });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { statusCode: 404, code: 'ROUTE_NOT_FOUND' });

  const home = await app.inject({ url: '/' });
  t.equal(home.statusCode, 302);
  t.equal(home.headers.location, '/ui/');
  const api = await app.inject({ url: '/api/config/flags', headers: admin });
  t.notOk(api.headers['content-security-policy'], 'the APIs carry no page headers');
});

t.test('an installation without the built UI says how to build it', async (t) => {
  const app = Fastify();
  await app.register(errors);
  await app.register(ui, { prefix: '/ui', dist: `${mkdtempSync(join(tmpdir(), 'flagstone-ui-'))}/` });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/ui/flags' });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'UI_NOT_BUILT', message: /run `make deps`/ });
  t.equal(res.headers['content-security-policy'], CSP);
});
