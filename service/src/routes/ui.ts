// The admin web UI (service/ui/, built ahead into service/ui/dist by `make deps`): its assets,
// named by content hash and cached for a year, and its page for every other path under /ui,
// never cached, so a deploy reaches the next load. Everything under /ui carries a strict
// Content-Security-Policy: scripts, styles and connections from this origin only, no inline code.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { errors } from '../errors.ts';

/** Where `make deps` (npm run build:ui) puts the built UI. */
export const UI_DIST = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Plain HTTP on loopback must keep working; behind HTTPS the load balancer redirects.
  upgradeInsecureRequests: null,
};

const ui: FastifyPluginAsyncTypebox<{ dist?: string }> = async (app, { dist = UI_DIST }) => {
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: CSP } });

  const built = existsSync(`${dist}index.html`);
  if (built) {
    await app.register(fastifyStatic, {
      root: `${dist}assets`,
      prefix: '/assets/',
      index: false,
      immutable: true,
      maxAge: '365d',
    });
  }
  const page = async (_request: unknown, reply: FastifyReply) => {
    if (!built) throw errors.uiNotBuilt();
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dist, { cacheControl: false });
  };
  // The page routes itself (/ui/flags/…); any query is its own.
  const schema = { hide: true, querystring: Type.Record(Type.String(), Type.Unknown()) };
  app.get('/', { schema }, page);
  app.get('/*', { schema }, page);
};

export default ui;
