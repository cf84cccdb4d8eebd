// Webhooks: the service the routes call, and the worker that delivers the change log. Every
// instance runs the worker; each webhook is claimed by one of them in the database at a time, so
// deliveries stay in order however many run, and a survivor carries on when a claimant dies. The
// worker wakes when a snapshot here advances (a change committed here, or announced by another
// instance) and polls besides, so it works without Redis and after a peer died mid-change.
import fp from 'fastify-plugin';
import { signingKey } from '../events/signing-key.ts';
import { instrument } from '../metrics.ts';
import { createPrismaWebhookStore } from '../webhooks/prisma-webhook-store.ts';
import { createSecretBox } from '../webhooks/webhook-secrets.ts';
import { createSender } from '../webhooks/webhook-sender.ts';
import { CLAIM_LEASE_MS, createWebhookService, type WebhookService } from '../webhooks/webhook-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookService;
    /** Looks for webhook deliveries now (after a change made here), rather than at the next poll. */
    deliverWebhooks(): void;
  }
}

/** Webhooks one instance delivers to at once: a slow receiver holds one of these, not the others. */
const CONCURRENCY = 4;

export default fp(
  async (app) => {
    const { log, config, telemetry } = app;
    const embedded = app.database.kind === 'embedded';
    const key = config.EVENTS_SIGNING_KEY ?? (embedded ? await signingKey(config, true, log) : undefined);
    if (!key) {
      log.warn(
        'EVENTS_SIGNING_KEY is not set: webhook signing secrets are stored unencrypted in the database; set the same key on every instance to encrypt them',
      );
    }
    const shutdown = new AbortController();
    const webhooks = createWebhookService({
      store: instrument(createPrismaWebhookStore(app.database.client), telemetry.dbQueryDuration),
      secrets: createSecretBox(key),
      send: createSender(config.WEBHOOK_TIMEOUT_MS, shutdown.signal),
      maxBackoffMs: config.WEBHOOK_MAX_BACKOFF_SECONDS * 1000,
      // Renewed after each change: it outlasts a few timed-out sends, and is how long a dead claimant holds its webhook.
      leaseMs: Math.max(CLAIM_LEASE_MS, 3 * config.WEBHOOK_TIMEOUT_MS),
      onDelivery: ({ outcome, lagSeconds }) => {
        telemetry.webhookDeliveries.inc({ outcome });
        telemetry.webhookLag.observe(lagSeconds);
      },
    });
    app.decorate('webhooks', webhooks);

    let closing = false;
    const workers = new Set<Promise<void>>();
    // One worker looks for work; each that finds some starts another (up to CONCURRENCY), so an
    // idle poll is one query and a busy one spreads over several webhooks at once.
    const wake = () => {
      if (closing || workers.size >= CONCURRENCY) return;
      const worker: Promise<void> = work().finally(() => workers.delete(worker));
      workers.add(worker);
    };
    async function work() {
      try {
        while (!closing && (await webhooks.deliverNext(wake))) {}
      } catch (err) {
        log.warn({ err }, 'webhook deliveries could not be made; trying again');
      }
    }
    let pending = false;
    const soon = () => {
      if (pending) return;
      pending = true;
      // After the commit's own bookkeeping: one wake for a burst of revisions.
      setImmediate(() => {
        pending = false;
        wake();
      });
    };
    app.decorate('deliverWebhooks', soon);
    app.onAdvance(soon);
    const timer = setInterval(wake, config.WEBHOOK_POLL_SECONDS * 1000).unref();
    app.addHook('onReady', async () => wake());
    // Before the database closes: no new claim, and the sends under way end (recorded as failed,
    // so another instance sends them again) rather than hold the shutdown for their timeout.
    app.addHook('preClose', async () => {
      closing = true;
      clearInterval(timer);
      shutdown.abort();
      await Promise.all(workers);
    });
  },
  { name: 'webhooks', dependencies: ['services', 'database', 'metrics'] },
);
