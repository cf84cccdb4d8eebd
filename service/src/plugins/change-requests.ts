// Change requests: the service the admin routes call to propose, list, approve and reject
// changes in protected environments.
import fp from 'fastify-plugin';
import { type ChangeRequests, createChangeRequests } from '../requests/change-requests.ts';

declare module 'fastify' {
  interface FastifyInstance {
    changeRequests: ChangeRequests;
  }
}

export default fp(
  async (app) => {
    app.decorate('changeRequests', createChangeRequests({ db: app.database.client, flags: app.flags }));
  },
  { name: 'change-requests', dependencies: ['services', 'database'] },
);
