// Prometheus metrics at GET /metrics. Request latency is observed by a hook attached to each
// route when it is declared, reusing Fastify's own timing and one bound series per status
// code, so the hot path allocates nothing for it.
import type { onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../metrics.ts';
import { reproduced } from '../routes/hot-routes.ts';
import { answerUnderPressure } from './under-pressure.ts';

declare module 'fastify' {
  interface FastifyInstance {
    telemetry: Metrics;
  }
}

export default fp(
  async (app) => {
    const metrics = createMetrics();
    app.decorate('telemetry', metrics);

    app.addHook('onRoute', (route) => {
      const method = [route.method].flat().join(',');
      const byStatus = new Map<number, (seconds: number) => void>();
      const observe: onResponseHookHandler = (_request, reply, done) => {
        let record = byStatus.get(reply.statusCode);
        if (!record) {
          const labels = { method, route: route.url, status_code: String(reply.statusCode) };
          record = metrics.httpDuration.bind(labels);
          byStatus.set(reply.statusCode, record);
        }
        record(reply.elapsedTime / 1000);
        done();
      };
      // The fast path observes its answers in the same series, labelled from the hot route.
      route.onResponse = [...[route.onResponse ?? []].flat(), reproduced('latency', observe)];
    });

    app.get(
      '/metrics',
      {
        // Scrapes must work under load, when they matter most.
        config: answerUnderPressure,
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics',
          security: [],
          response: {
            200: {
              description: 'Prometheus text',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      async (_request, reply) =>
        reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  },
  { name: 'metrics' },
);
