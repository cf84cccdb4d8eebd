// Liveness and readiness for load balancers and orchestrators; no token needed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

const DB_PROBE_TIMEOUT_MS = 1000;

const Ready = Type.Object({
  status: Type.Enum(['ready', 'unavailable']),
  checks: Type.Object({ database: Type.Enum(['up', 'down']) }),
});

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/live',
    {
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
        summary: 'The service can answer reads: 200 when ready, 503 otherwise',
        security: [],
        response: { 200: Ready, 503: Ready },
      },
    },
    async (request, reply) => {
      try {
        await withTimeout(app.database.ping(), DB_PROBE_TIMEOUT_MS);
        return { status: 'ready' as const, checks: { database: 'up' as const } };
      } catch (err) {
        request.log.warn({ err }, 'readiness: database unavailable');
        return reply.code(503).send({ status: 'unavailable', checks: { database: 'down' } });
      }
    },
  );
};

export default health;
