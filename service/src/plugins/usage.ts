// Usage: the in-memory evaluation counts of this instance (read by the read routes and the fast
// path), flushed to the database every USAGE_FLUSH_SECONDS and once more at shutdown, before the
// database closes. A flush that fails is logged and counted, and its counts wait for the next.
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { instrument } from '../metrics.ts';
import { createPrismaUsageStore } from '../usage/prisma-usage-store.ts';
import { createUsageCounter } from '../usage/usage-counter.ts';
import { createUsageService, type UsageService } from '../usage/usage-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    usage: UsageService;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { log, telemetry: metrics } = app;
    const usage = createUsageService({
      counter: createUsageCounter({ enabled: config.USAGE_COUNTING }),
      store: instrument(createPrismaUsageStore(app.database.client), metrics.dbQueryDuration),
      rules: { unevaluatedDays: config.STALE_UNEVALUATED_DAYS, unchangedDays: config.STALE_UNCHANGED_DAYS },
      onFlushError: (err, { rows, dropped }) => {
        metrics.usageFlushes.inc({ result: 'failed' });
        if (dropped > 0) metrics.usageDropped.inc(dropped);
        log.warn(
          { err, rows, dropped },
          'evaluation counts could not be saved; they are kept for the next flush',
        );
      },
    });
    app.decorate('usage', usage);
    if (!config.USAGE_COUNTING) return;
    const flush = () =>
      usage.flush().then(({ failed, rows }) => {
        if (!failed && rows > 0) metrics.usageFlushes.inc({ result: 'ok' });
      });
    const timer = setInterval(() => void flush(), config.USAGE_FLUSH_SECONDS * 1000).unref();
    // Registered after the database, so this runs before it closes: the last counts are saved.
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await flush();
    });
  },
  { name: 'usage', dependencies: ['database', 'metrics'] },
);
