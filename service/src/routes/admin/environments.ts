// Environments: listed for a caller who may read every environment; created by one who
// administers every environment.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, authorize } from '../../access/authorization.ts';
import { CreateEnvironmentBody, EnvironmentSchema } from '../../flags/flag-schemas.ts';
import { errorResponses } from '../../schema.ts';

const adminEnvironments: FastifyPluginAsyncTypebox = async (app) => {
  // Environments span every environment: the route's right (read to list, admin to create) must
  // hold on all of them, a token's scope and a person's roles alike.
  app.addHook('onRequest', async (request) => authorize(request.principal, request.needs, null));

  app.get(
    '/environments',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: 'All environments with their revisions',
        response: {
          200: Type.Object({ environments: Type.Array(EnvironmentSchema) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ environments: await app.flags.listEnvironments() }),
  );

  app.post(
    '/environments',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an environment',
        body: CreateEnvironmentBody,
        response: { 201: EnvironmentSchema, ...errorResponses(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return app.flags.createEnvironment(request.body.key, actorOf(request.principal));
    },
  );
};

export default adminEnvironments;
