// Wires the domain: stores on the database, the cache, and the services the routes call.
// Also makes sure an admin can get in (ADMIN_TOKEN, or a printed token in embedded mode).
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { createFlagService, type FlagService } from '../flags/flag-service.ts';
import { createMemoryFlagCache } from '../flags/memory-flag-cache.ts';
import { createPrismaFlagStore } from '../flags/prisma-flag-store.ts';
import { createPrismaTokenStore } from '../tokens/prisma-token-store.ts';
import { BOOTSTRAP_TOKEN_NAME, createTokenService, type TokenService } from '../tokens/token-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    flags: FlagService;
    tokens: TokenService;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const db = app.database.client;
    app.decorate('config', config);
    app.decorate(
      'flags',
      createFlagService({
        store: createPrismaFlagStore(db),
        cache: createMemoryFlagCache({ ttlMs: config.L1_TTL_MS }),
      }),
    );
    const tokens = createTokenService({
      store: createPrismaTokenStore(db),
      onTouchError: (err) => app.log.warn({ err }, 'could not record token use'),
    });
    app.decorate('tokens', tokens);

    const embedded = app.database.kind === 'embedded';
    const { secret, outcome } = await tokens.bootstrap(config.ADMIN_TOKEN, embedded);
    if (secret) {
      // Shown once, in embedded mode only, so a newcomer can call the admin API right away.
      app.log.warn(`created admin token '${BOOTSTRAP_TOKEN_NAME}', shown only this once: ${secret}`);
    } else if (config.ADMIN_TOKEN) {
      app.log.info({ outcome }, `admin token '${BOOTSTRAP_TOKEN_NAME}' set from ADMIN_TOKEN`);
    }
  },
  { name: 'services', dependencies: ['database'] },
);
