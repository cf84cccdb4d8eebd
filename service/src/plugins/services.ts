// Wires the domain: stores on the database, Redis entries, the invalidation bus, and the
// services the routes call. Makes sure an admin can get in (ADMIN_TOKEN, or a token printed on
// the first start), warms the snapshots before the app reports ready, and polls for missed changes.
import fp from 'fastify-plugin';
import { createRedisBus, type Invalidation, localBus } from '../cache/invalidation-bus.ts';
import { createRedisCache } from '../cache/redis-cache.ts';
import { createSharedEntries } from '../cache/shared-entries.ts';
import { type Config, warmEnvironments } from '../config.ts';
import { createEventStreams, type EventStreams } from '../events/event-streams.ts';
import { signingKey } from '../events/signing-key.ts';
import { createTickets, type Tickets } from '../events/tickets.ts';
import { createFlagService, type FlagService } from '../flags/flag-service.ts';
import { createPrismaChangeLogStore } from '../flags/prisma-change-log-store.ts';
import { createPrismaEnvironmentStore } from '../flags/prisma-environment-store.ts';
import { createPrismaFlagStore } from '../flags/prisma-flag-store.ts';
import { createPrismaSegmentStore } from '../flags/prisma-segment-store.ts';
import type { AdvanceListener } from '../flags/snapshots.ts';
import { instrument } from '../metrics.ts';
import { createOidcSignIn, type OidcSignIn } from '../sessions/oidc-sign-in.ts';
import { createPrismaSessionStore } from '../sessions/prisma-session-store.ts';
import { createSessionService, type SessionService } from '../sessions/session-service.ts';
import { createPrismaTokenStore } from '../tokens/prisma-token-store.ts';
import { BOOTSTRAP_TOKEN_NAME, createTokenService, type TokenService } from '../tokens/token-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    flags: FlagService;
    tokens: TokenService;
    /** Web UI sessions, of tokens and of people. */
    sessions: SessionService;
    /** Sign-in with the identity provider, when OIDC_ISSUER is set. */
    oidc: OidcSignIn | undefined;
    /** Signs and verifies event-stream tickets. */
    tickets: Tickets;
    /** The event streams open on this instance. */
    events: EventStreams;
    /** Tells `listener` of each revision a held snapshot moves to, however this instance learned of it. */
    onAdvance(listener: AdvanceListener): void;
    /** Tells `listener` of each token that stopped being live (revoked), here or elsewhere: its streams end. */
    onTokenRevoked(listener: (id: string) => void): void;
  }
}

/** How often the token hashes are read again, besides when a token changes. */
const TOKEN_REFRESH_MS = 30_000;

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { telemetry: metrics, log, redis } = app;
    const db = app.database.client;
    const onStoreError = (err: unknown) => log.warn({ err }, 'database call failed');
    const onRedisError = (err: unknown, operation: string) =>
      log.debug({ err, operation }, 'redis call failed');

    const entries = redis
      ? createSharedEntries({
          cache: createRedisCache({
            redis: redis.client,
            prefix: config.REDIS_KEY_PREFIX,
            ttlMs: config.CACHE_TTL_SECONDS * 1000,
          }),
          breaker: redis.breaker,
          metrics,
          onRedisError,
        })
      : undefined;

    const onMessage = (message: Invalidation) => {
      if (message.type === 'token') return app.tokens.receive(message);
      app.flags.receive(message).catch((err) => log.warn({ err }, 'could not apply a change message'));
    };
    const bus = redis
      ? createRedisBus({
          publisher: redis.client,
          subscriber: redis.subscriber,
          channel: `${config.REDIS_KEY_PREFIX}invalidations`,
          breaker: redis.breaker,
          metrics,
          onMessage,
          onError: (err, operation) => log.warn({ err, operation }, 'invalidation message failed'),
        })
      : localBus;

    app.decorate('config', config);
    // Open event streams hear of every revision a snapshot reaches, and end at shutdown, so their
    // clients reconnect to another instance.
    const events = createEventStreams({
      maxStreams: config.MAX_EVENT_STREAMS,
      adminReserve: config.EVENT_STREAMS_ADMIN_RESERVE,
      maxPerClient: config.MAX_EVENT_STREAMS_PER_CLIENT,
      heartbeatMs: config.EVENTS_HEARTBEAT_SECONDS * 1000,
      metrics,
    });
    app.decorate('events', events);
    const advanced = new Set<AdvanceListener>([events.advanced]);
    app.decorate('onAdvance', (listener: AdvanceListener) => {
      advanced.add(listener);
    });
    const revoked = new Set<(id: string) => void>([events.endToken]);
    app.decorate('onTokenRevoked', (listener: (id: string) => void) => {
      revoked.add(listener);
    });
    app.addHook('preClose', (done) => {
      events.endAll();
      done();
    });
    app.decorate(
      'flags',
      createFlagService({
        stores: {
          flags: instrument(createPrismaFlagStore(db), metrics.dbQueryDuration),
          segments: instrument(createPrismaSegmentStore(db), metrics.dbQueryDuration),
          environments: instrument(createPrismaEnvironmentStore(db), metrics.dbQueryDuration),
          changeLog: instrument(createPrismaChangeLogStore(db), metrics.dbQueryDuration),
        },
        entries,
        bus,
        metrics,
        onStoreError,
        onAdvance: (environment, revision, touched) => {
          for (const listener of advanced) listener(environment, revision, touched);
        },
      }),
    );
    // The catch-up interval: changes no message announced (lost, Redis down, a peer that died
    // right after its commit) are found in the change log within this long.
    await app.flags.poll();
    const timer = setInterval(() => void app.flags.poll(), config.L1_TTL_MS).unref();
    app.addHook('onClose', async () => clearInterval(timer));
    const tokens = createTokenService({
      store: instrument(createPrismaTokenStore(db), metrics.dbQueryDuration),
      bus,
      onStoreError,
      // A revoked token's streams end with it, and a session's with the session.
      onTokenChanged: (id) => {
        if (tokens.isLive(id)) return;
        for (const listener of revoked) listener(id);
      },
      onSessionEnded: events.endSession,
    });
    app.decorate('tokens', tokens);
    app.decorate(
      'sessions',
      createSessionService({
        store: instrument(createPrismaSessionStore(db), metrics.dbQueryDuration),
        authenticate: tokens.authenticate,
        bus,
        onStoreError,
        onSessionEnded: events.endSession,
      }),
    );
    // Revocations and sign-outs no message announced are found in the token change log within
    // the same catch-up interval as flag changes.
    await tokens.catchUp();
    const tokenChanges = setInterval(() => tokens.catchUp().catch(onStoreError), config.L1_TTL_MS).unref();
    app.addHook('onClose', async () => clearInterval(tokenChanges));

    const embedded = app.database.kind === 'embedded';
    const key = await signingKey(config, embedded, log);
    app.decorate('tickets', createTickets(key));
    const { OIDC_ISSUER, OIDC_CLIENT_ID } = config;
    app.decorate(
      'oidc',
      OIDC_ISSUER && OIDC_CLIENT_ID
        ? createOidcSignIn({ config: { ...config, OIDC_ISSUER, OIDC_CLIENT_ID }, key })
        : undefined,
    );
    const { secret, outcome } = await tokens.bootstrap(config.ADMIN_TOKEN);
    if (secret) {
      // Shown once, so a newcomer (make start, docker compose up) can sign in right away.
      log.warn(`created admin token '${BOOTSTRAP_TOKEN_NAME}', shown only this once: ${secret}`);
    } else if (outcome === 'revoked') {
      log.warn(
        `ADMIN_TOKEN is the secret of a revoked token and stays revoked: set a new ADMIN_TOKEN (e.g. openssl rand -hex 32) to get admin token '${BOOTSTRAP_TOKEN_NAME}' back`,
      );
    } else if (config.ADMIN_TOKEN) {
      log.info({ outcome }, `admin token '${BOOTSTRAP_TOKEN_NAME}' set from ADMIN_TOKEN`);
    }

    // Every token's hash, so an unknown secret is a 401 without a query; read again now and then.
    await tokens.refreshKnown().catch(onStoreError);
    const tokenTimer = setInterval(() => tokens.refreshKnown().catch(onStoreError), TOKEN_REFRESH_MS).unref();
    app.addHook('onClose', async () => clearInterval(tokenTimer));

    const environments = warmEnvironments(config);
    if (environments.length > 0) {
      // Listening waits for onReady hooks: the app is not ready until these flags are cached.
      app.addHook('onReady', async () => {
        const flags = await app.flags.warm(environments);
        log.info({ environments, flags }, 'snapshots loaded');
      });
    }
  },
  { name: 'services', dependencies: ['database', 'redis', 'metrics'] },
);
