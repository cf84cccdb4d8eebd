// API token administration. Tokens span environments, so these need an unrestricted admin token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, authorize } from '../../access/authorization.ts';
import { errorResponses, Strict } from '../../schema.ts';
import { MintedTokenSchema, MintTokenBody, TokenListSchema } from '../../tokens/token-schemas.ts';

const adminTokens: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', async (request) => authorize(request.principal, 'admin', null));

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Mint a token; the secret is in this response only',
        body: MintTokenBody,
        response: { 201: MintedTokenSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      reply.code(201).header('cache-control', 'no-store');
      return app.tokens.mint(request.body, actorOf(request.principal));
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'All tokens, revoked ones included, without secrets',
        response: { 200: TokenListSchema, ...errorResponses(401, 403) },
      },
    },
    async () => ({ tokens: await app.tokens.list() }),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke a token: it gets 401 from now on, on every instance, and its sessions end',
        description:
          'The last live admin token for all environments is not revoked (409 LAST_ADMIN_TOKEN): mint another one first.',
        params: Strict({ id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await app.tokens.revoke(request.params.id, actorOf(request.principal));
      return reply.code(204).send(null);
    },
  );
};

export default adminTokens;
