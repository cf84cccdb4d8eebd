// Liveness and readiness for load balancers and orchestrators; no token needed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { answerUnderPressure } from '../plugins/under-pressure.ts';
import { ErrorSchema } from '../schema.ts';

const DB_PROBE_TIMEOUT_MS = 1000;

const Ready = Type.Object({
  status: Type.Enum(['ready', 'degraded', 'unavailable'], {
    description:
      'ready: all up; degraded: serving, with Redis or the database down; unavailable: cannot serve',
  }),
  checks: Type.Object({
    database: Type.Enum(['up', 'down']),
    redis: Type.Enum(['up', 'down', 'disabled']),
    cachedEntries: Type.Integer({ description: 'flags this instance holds in its snapshots' }),
  }),
});

const answers = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]).catch(() => false);

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/live',
    {
      config: answerUnderPressure,
      schema: {
        tags: ['operations'],
        summary: 'The process is up',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Whether this instance can serve reads: 200 ready or degraded, 503 unavailable',
        description:
          'Ready while the database or the snapshots this instance holds can serve; a Redis outage alone is degraded.',
        security: [],
        response: { 200: Ready, 503: Type.Union([Ready, ErrorSchema]) },
      },
    },
    async (_request, reply) => {
      const database = (await answers(app.database.ping(), DB_PROBE_TIMEOUT_MS)) ? 'up' : 'down';
      const redis = app.redisState();
      const cachedEntries = app.flags.cachedEntries();
      // Reads come from the snapshots: without the database, only those this instance holds can serve.
      const cacheCanServe = cachedEntries > 0;
      const status =
        database === 'up'
          ? redis === 'down'
            ? 'degraded'
            : 'ready'
          : cacheCanServe
            ? 'degraded'
            : 'unavailable';
      return reply
        .code(status === 'unavailable' ? 503 : 200)
        .send({ status, checks: { database, redis, cachedEntries } });
    },
  );
};

export default health;
