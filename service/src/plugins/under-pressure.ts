// Overload protection: past the event-loop delay or heap limit, requests get 503 with
// Retry-After at once instead of queueing until they time out. Liveness and metrics answer
// regardless (route config `answerUnderPressure`), so an overloaded task is not killed for it.
import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { reproduced } from '../routes/hot-routes.ts';
import { sendError } from './errors.ts';

const RETRY_AFTER_SECONDS = 5;

declare module 'fastify' {
  interface FastifyInstance {
    /** True past the event-loop delay or heap limit: requests are answered 503. */
    overloaded(): boolean;
  }
  interface FastifyContextConfig {
    /** Set on routes that must answer even under pressure. */
    answerUnderPressure?: boolean;
  }
}

/** Route config for routes that must answer even under pressure (liveness, metrics). */
export const answerUnderPressure = { answerUnderPressure: true };

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const maxEventLoopDelay = config.MAX_EVENT_LOOP_DELAY_MS;
    // under-pressure samples the event loop and the heap. Its own onRequest hook builds
    // request.routeOptions (a dozen fields and a router call) on every request; registered in a
    // context of its own, that hook guards no route. Ours asks isUnderPressure(), which
    // allocates nothing, and reads the route's config only when the answer is yes.
    let sampler: FastifyInstance | undefined;
    await app.register(async (own) => {
      await own.register(underPressure, {
        maxEventLoopDelay,
        maxHeapUsedBytes: config.MAX_HEAP_USED_BYTES ?? Math.floor(getHeapStatistics().heap_size_limit * 0.9),
      });
      sampler = own;
    });

    const overloaded = () => sampler!.isUnderPressure();
    app.decorate('overloaded', overloaded);
    const refuseWhenOverloaded: onRequestHookHandler = (request, reply, done) => {
      if (!overloaded() || request.routeOptions.config.answerUnderPressure) return done();
      const { eventLoopDelay } = sampler!.memoryUsage();
      const type =
        maxEventLoopDelay > 0 && eventLoopDelay > maxEventLoopDelay ? 'eventLoopDelay' : 'heapUsedBytes';
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      sendError(
        reply,
        503,
        'OVERLOADED',
        `The service is overloaded (${type}). Retry after ${RETRY_AFTER_SECONDS} seconds.`,
      );
    };
    // The fast path leaves every request to the route while the service is overloaded.
    app.addHook('onRequest', reproduced('overload check', refuseWhenOverloaded));
  },
  { name: 'under-pressure' },
);
