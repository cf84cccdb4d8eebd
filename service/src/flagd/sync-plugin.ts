// Runs the flagd sync service (sync-server.ts) beside the HTTP server when SYNC_PORT is set: it
// listens once the app is ready (so start-up fails, with the reason, when the port is taken),
// hears of every revision and revocation the app learns of, and stops when the app closes.
import { format } from 'node:util';
import { setLogger } from '@grpc/grpc-js';
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
    // grpc-js's own messages (a port it cannot bind, a connection it drops) go to the service log.
    const grpcLog = app.log.child({ component: 'grpc' });
    setLogger({
      error: (...args: unknown[]) => grpcLog.warn(format(...args)),
      info: (...args: unknown[]) => grpcLog.info(format(...args)),
      debug: (...args: unknown[]) => grpcLog.debug(format(...args)),
    });
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
