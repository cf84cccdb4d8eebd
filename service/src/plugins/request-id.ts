// Echoes the request id, so a caller can quote it when reporting a problem. A callback hook:
// an async one would cost a promise and a microtask on every request.
import fp from 'fastify-plugin';
import { reproduced } from '../routes/hot-routes.ts';

export default fp(
  async (app) => {
    app.addHook(
      'onRequest',
      reproduced('request id', (request, reply, done) => {
        reply.header('x-request-id', request.id);
        done();
      }),
    );
  },
  { name: 'request-id' },
);
