// Echoes the request id, so a caller can quote it when reporting a problem.
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
  },
  { name: 'request-id' },
);
