// Flag administration: list and look up (archived flags included), create, change (optionally
// conditional on a version), archive and restore, history.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, authorize } from '../../access/authorization.ts';
import { DomainError } from '../../errors.ts';
import {
  AdminFlagQuery,
  AuditPageSchema,
  AuditQuery,
  CreateFlagBody,
  FlagKey,
  FlagSchema,
  PatchFlagBody,
} from '../../flags/flag-schemas.ts';
import { ErrorSchema, errorResponses, Strict } from '../../schema.ts';
import { AdminFlagPageSchema } from '../../usage/usage-schemas.ts';
import { EnvironmentQuery, environmentNamed, IfMatchHeader, parseVersionTag, quoted } from '../http.ts';
import { Success, sendEvaluation } from '../ofrep-answers.ts';
import { Failure, flagNotFound, NotFound } from '../ofrep-errors.ts';
import { ProposedResponse, proposeIfProtected } from './change-requests.ts';
import { flagPageWithUsage } from './usage.ts';

const FlagParams = Strict({ flagKey: FlagKey });

const adminFlags: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/flags',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          "A page of an environment's flags in key order: live ones, or archived ones; `q` searches; `stale=true`: stale ones, with why",
        querystring: AdminFlagQuery,
        response: { 200: AdminFlagPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { environment: requested, ...query } = request.query;
      return flagPageWithUsage(app, request.environmentFor(requested), query);
    },
  );

  app.get(
    '/flags/:flagKey',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: 'One flag, archived ones included (with archivedAt)',
        params: FlagParams,
        querystring: EnvironmentQuery,
        response: { 200: FlagSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const flag = await app.flags.getAdminFlag(environment, request.params.flagKey);
      reply.header('etag', quoted(flag.version));
      return flag;
    },
  );

  app.post(
    '/flags',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Create a flag (environment from the query or the body, else the default); 409 FLAG_EXISTS for a live key, FLAG_ARCHIVED for an archived one (restore it instead)',
        querystring: EnvironmentQuery,
        body: CreateFlagBody,
        response: {
          201: FlagSchema,
          ...ProposedResponse,
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { environment: requested, ...input } = request.body;
      const environment = request.environmentFor(environmentNamed(request.query.environment, requested));
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'flag.create',
          target: input.key,
          change: input,
        })
      )
        return reply;
      const flag = await app.flags.createFlag(environment, input, actorOf(request.principal));
      reply
        .code(201)
        .header('location', `/api/config/flags/${flag.key}?environment=${environment}`)
        .header('etag', quoted(flag.version));
      return flag;
    },
  );

  app.patch(
    '/flags/:flagKey',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a flag; with If-Match: <version>, only if nobody changed it since',
        params: FlagParams,
        querystring: EnvironmentQuery,
        headers: IfMatchHeader,
        body: PatchFlagBody,
        response: {
          200: FlagSchema,
          ...ProposedResponse,
          ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'flag.update',
          target: request.params.flagKey,
          change: request.body,
          expectedVersion: parseVersionTag(request.headers['if-match']),
        })
      )
        return reply;
      const flag = await app.flags.updateFlag(
        environment,
        request.params.flagKey,
        request.body,
        actorOf(request.principal),
        parseVersionTag(request.headers['if-match']),
      );
      reply.header('etag', quoted(flag.version));
      return flag;
    },
  );

  app.delete(
    '/flags/:flagKey',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Archive a flag: reads answer 404 from now on; its history stays. 409 FLAG_REQUIRED while other live flags require it',
        params: FlagParams,
        querystring: EnvironmentQuery,
        response: { 204: Type.Null(), ...ProposedResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const target = request.params.flagKey;
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'flag.archive',
          target,
        })
      )
        return reply;
      await app.flags.archiveFlag(environment, request.params.flagKey, actorOf(request.principal));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/flags/:flagKey/restore',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Bring an archived flag back as it was, at its next version: reads and evaluations see it again',
        description:
          'Takes no body. 404 FLAG_NOT_FOUND when the environment has no flag with this key; 409 FLAG_NOT_ARCHIVED when the flag is live; 400 INVALID_FLAG when its rules name a segment deleted since it was archived.',
        params: FlagParams,
        querystring: EnvironmentQuery,
        response: {
          200: FlagSchema,
          ...ProposedResponse,
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const target = request.params.flagKey;
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'flag.restore',
          target,
        })
      )
        return reply;
      const flag = await app.flags.restoreFlag(
        environment,
        request.params.flagKey,
        actorOf(request.principal),
      );
      reply.header('etag', quoted(flag.version));
      return flag;
    },
  );

  app.post(
    '/flags/:flagKey/evaluate',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: "Evaluate the flag for a context, as OFREP would: the web UI's playground",
        params: FlagParams,
        querystring: EnvironmentQuery,
        body: Strict({
          context: Type.Optional(
            Type.Record(Type.String(), Type.Unknown(), { description: 'targetingKey and any attributes' }),
          ),
        }),
        response: {
          200: Success,
          // An evaluation's failure (OFREP's shape), or a request the schema refused (the API's).
          400: Type.Union([Failure, ErrorSchema]),
          404: Type.Union([NotFound, ErrorSchema]),
          ...errorResponses(401, 403, 413, 415, 429),
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const key = request.params.flagKey;
      try {
        return sendEvaluation(
          reply,
          key,
          await app.flags.evaluateFlag(environment, key, request.body.context ?? {}),
        );
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'FLAG_NOT_FOUND') throw error;
        return reply.code(404).send(flagNotFound(key, error.message));
      }
    },
  );

  app.get(
    '/flags/:flagKey/required-by',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: 'The live flags that name this flag among their prerequisites, in key order',
        params: FlagParams,
        querystring: EnvironmentQuery,
        response: {
          200: Type.Object({ flags: Type.Array(FlagKey) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const environment = request.environmentFor(request.query.environment);
      return { flags: await app.flags.requiredBy(environment, request.params.flagKey) };
    },
  );

  app.get(
    '/flags/:flagKey/history',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          "A flag's audit events, newest first, each summarized in words; filter by actor, action and time, page with cursor",
        params: FlagParams,
        querystring: Type.Omit(AuditQuery, ['flagKey']),
        response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { environment: requested, ...page } = request.query;
      const environment = request.environmentFor(requested);
      return app.flags.history(environment, request.params.flagKey, page);
    },
  );

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Audit events, newest first, each summarized in words; filter by flag, actor, action and time, page with cursor. Without `environment`, needs a token for all environments',
        querystring: AuditQuery,
        response: { 200: AuditPageSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      authorize(request.principal, 'admin', request.query.environment ?? null);
      return app.flags.listAudit(request.query);
    },
  );
};

export default adminFlags;
