// Protected environments and their change requests: protect an environment, list its requests,
// approve or reject one. The requests themselves are made through the usual flag and segment
// routes, which answer 202 with the request in a protected environment.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { actorOf, authorize } from '../../access/authorization.ts';
import { EnvironmentKey, EnvironmentSchema } from '../../flags/flag-schemas.ts';
import type { Proposal } from '../../requests/change-requests.ts';
import {
  ApproveBody,
  ChangeRequestListSchema,
  ChangeRequestQuery,
  ChangeRequestSchema,
  ProtectBody,
  RejectBody,
} from '../../requests/request-schemas.ts';
import { errorResponses, Strict } from '../../schema.ts';
import { quoted } from '../http.ts';

/** What a change route answers in a protected environment: 202 with the request. */
export const ProposedResponse = { 202: ChangeRequestSchema };

/**
 * In a protected environment, records the change as a request and answers 202 with it (200 with
 * the flag when it would change nothing), and says true; elsewhere false: the route applies it as ever.
 * (A boolean, not the reply: a reply is thenable, so an async function cannot hand it back.)
 */
export async function proposeIfProtected(
  request: FastifyRequest,
  reply: FastifyReply,
  environment: string,
  proposal: Proposal,
) {
  const requests = request.server.changeRequests;
  if (!(await requests.isProtected(environment))) return false;
  const proposed = await requests.propose(environment, proposal, actorOf(request.principal));
  if ('unchanged' in proposed) {
    reply.code(200).header('etag', quoted(proposed.unchanged.version)).send(proposed.unchanged);
  } else {
    reply.code(202).send(proposed.request);
  }
  return true;
}

const RequestParams = Strict({ id: Type.String({ format: 'uuid' }) });

const changeRequests: FastifyPluginAsyncTypebox = async (app) => {
  app.patch(
    '/environments/:key',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Protect an environment (changes to its flags and segments become change requests that another person approves), or lift its protection',
        params: Strict({ key: EnvironmentKey }),
        body: ProtectBody,
        response: { 200: EnvironmentSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const { key } = request.params;
      authorize(request.principal, 'admin', key);
      return app.changeRequests.setProtected(key, request.body.protected, actorOf(request.principal));
    },
  );

  app.get(
    '/change-requests',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: "An environment's change requests, newest first; optionally those in one state",
        querystring: ChangeRequestQuery,
        response: { 200: ChangeRequestListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { environment: requested, ...query } = request.query;
      const environment = request.environmentFor(requested);
      return { changeRequests: await app.changeRequests.list({ ...query, environment }) };
    },
  );

  app.post(
    '/change-requests/:id/approve',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Approve an open change request: it is applied now (or at applyAt), if nothing it was made against changed since (else 409 CHANGE_REQUEST_STALE)',
        description:
          'Only a person with the admin role on its environment, other than its proposer (403 OWN_CHANGE_REQUEST; a token: 403 REVIEW_NEEDS_PERSON). 409 CHANGE_REQUEST_DECIDED when it is no longer open. With applyAt the request is `scheduled` until then: it is applied once, by one instance, within seconds of that time, or found stale (see its reason); rejecting it cancels it.',
        params: RequestParams,
        body: Type.Optional(ApproveBody),
        response: { 200: ChangeRequestSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const found = await app.changeRequests.get(request.params.id);
      authorize(request.principal, 'admin', found.environment);
      const { comment = null, applyAt } = request.body ?? {};
      return app.changeRequests.approve(found.id, request.principal, comment, applyAt);
    },
  );

  app.post(
    '/change-requests/:id/reject',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Reject an open change request, or cancel a scheduled one before its time, saying why: it is not applied',
        description:
          'Only a person with the admin role on its environment, other than its proposer. 409 CHANGE_REQUEST_DECIDED when it is already applied, rejected or stale.',
        params: RequestParams,
        body: RejectBody,
        response: { 200: ChangeRequestSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const found = await app.changeRequests.get(request.params.id);
      authorize(request.principal, 'admin', found.environment);
      return app.changeRequests.reject(found.id, request.principal, request.body.comment);
    },
  );
};

export default changeRequests;
