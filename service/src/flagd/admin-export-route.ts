// GET /api/admin/flagd/export: the document of GET /api/config/flagd through the admin API, where
// the web UI's session reaches (the read API takes tokens only). A read session may export too:
// it is what a read token gets from the read API.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { EnvironmentQuery } from '../routes/http.ts';
import { errorResponses } from '../schema.ts';
import { flagdDocumentResponses, sendFlagdDocument } from './export-route.ts';

const adminFlagdExport: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/export',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          "The environment's flagd flag-definition document, as GET /api/config/flagd serves it, for the web UI's download",
        querystring: EnvironmentQuery,
        response: { ...flagdDocumentResponses, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    (request, reply) => sendFlagdDocument(app, request, reply as FastifyReply, request.query.environment),
  );
};

export default adminFlagdExport;
