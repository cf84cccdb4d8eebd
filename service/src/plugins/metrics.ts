// Prometheus metrics at GET /metrics: request latency by route (fastify-metrics), process
// metrics, and the service's own (cache, Redis, database, invalidations), all on one registry
// per app so several apps can live in one process.
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyMetricsModule from 'fastify-metrics';
import fp from 'fastify-plugin';
import { createMetrics, HTTP_BUCKETS, type Metrics } from '../metrics.ts';
import { answerUnderPressure } from './under-pressure.ts';

// fastify-metrics is CommonJS; its default export arrives as the module object under NodeNext.
const fastifyMetrics = fastifyMetricsModule as unknown as typeof fastifyMetricsModule.default;

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's own metrics (fastify-metrics takes `metrics`). */
    telemetry: Metrics;
  }
}

export default fp(
  async (app) => {
    const metrics = createMetrics();
    app.decorate('telemetry', metrics);
    await app.register(fastifyMetrics, {
      name: 'httpMetrics',
      endpoint: {
        method: 'GET',
        url: '/metrics',
        schema: { tags: ['operations'], summary: 'Prometheus metrics', security: [] },
        // Scrapes must work under load, when they matter most.
        config: answerUnderPressure,
        handler: async (_request: FastifyRequest, reply: FastifyReply) =>
          reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
      },
      defaultMetrics: { enabled: true, register: metrics.registry },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        routeBlacklist: ['/metrics'],
        overrides: {
          histogram: { buckets: HTTP_BUCKETS, registers: [metrics.registry] },
          summary: { registers: [metrics.registry] },
        },
      },
    });
  },
  { name: 'metrics' },
);
