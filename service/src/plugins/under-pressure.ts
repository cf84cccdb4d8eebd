// Overload protection: past the event-loop delay or heap limit, requests get 503 with
// Retry-After at once instead of queueing until they time out. Liveness and metrics answer
// regardless (route config `pressureHandler`), so an overloaded task is not killed for it.
import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { sendError } from './errors.ts';

const RETRY_AFTER_SECONDS = 5;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Read by under-pressure; a handler that sends nothing lets the request through. */
    pressureHandler?: () => void;
  }
}

/** Route config for routes that must answer even under pressure (liveness, metrics). */
export const answerUnderPressure = { pressureHandler: () => {} };

export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(underPressure, {
      maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: config.MAX_HEAP_USED_BYTES ?? Math.floor(getHeapStatistics().heap_size_limit * 0.9),
      pressureHandler: (_request, reply, type) => {
        reply.header('retry-after', RETRY_AFTER_SECONDS);
        sendError(
          reply,
          503,
          'OVERLOADED',
          `The service is overloaded (${type}). Retry after ${RETRY_AFTER_SECONDS} seconds.`,
        );
      },
    });
  },
  { name: 'under-pressure' },
);
