// Runs the flagd sync service (sync-server.ts) beside the HTTP server when SYNC_PORT is set: it
// listens once the app is ready (so start-up fails, with the reason, when the port is taken),
// hears of every revision and revocation the app learns of, and stops when the app closes.
import fp from 'fastify-plugin';
import { createSyncServer, type SyncServer } from './sync-server.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The flagd sync service, when SYNC_PORT is set. */
    sync: SyncServer;
  }
}

export default fp<{ port: number }>(
  async (app, { port }) => {
    const sync = createSyncServer({
      config: app.config,
      flags: app.flags,
      tokens: app.tokens,
      metrics: app.telemetry,
      log: app.log.child({ component: 'sync' }),
    });
    app.decorate('sync', sync);
    app.onAdvance(sync.advanced);
    app.onTokenRevoked(sync.endToken);
    app.addHook('onReady', async () => {
      await sync.listen(port);
    });
    app.addHook('preClose', async () => {
      await sync.close();
    });
  },
  { name: 'sync', dependencies: ['services', 'metrics'] },
);
