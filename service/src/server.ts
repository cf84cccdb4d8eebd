// Starts the service: reads the configuration, listens, and on SIGTERM/SIGINT stops taking
// connections, lets in-flight requests finish, and closes the database.
import './tick-shape.ts';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { DatabaseSetupError } from './db/database.ts';
import { SyncListenError } from './flagd/sync-server.ts';
import { HotRouteError } from './routes/hot-routes.ts';

const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  console.error(`flagstone: ${message}`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}

const startedAt = performance.now();
const app = await buildApp(config).catch((err: unknown) =>
  fail(
    err instanceof DatabaseSetupError || err instanceof HotRouteError || err instanceof SyncListenError
      ? err.message
      : `could not start: ${(err as Error).stack ?? err}`,
  ),
);

closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an unexpected error');
  else app.log.info({ signal }, 'shutting down');
  await app.close();
});

await app.listen({ port: config.PORT, host: config.HOST });
const address = app.server.address();
const origin =
  config.PUBLIC_URL ??
  (address && typeof address === 'object' ? `http://${config.HOST}:${address.port}` : '');
app.log.info(
  { startupMs: Math.round(performance.now() - startedAt) },
  `flagstone ready: the web UI is at ${origin}/ui/`,
);
