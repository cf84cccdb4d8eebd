// Segments: named condition sets that flag rules refer to. Changing one moves every flag that
// uses it to its next version, so every cache serves the new targeting.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf } from '../../access/authorization.ts';
import { PatchSegmentBody, SegmentBody } from '../../flags/flag-schemas.ts';
import { SegmentDetailSchema, SegmentSchema } from '../../flags/rule-schemas.ts';
import { errorResponses, Key, Strict } from '../../schema.ts';
import { EnvironmentQuery, environmentNamed, IfMatchHeader, parseVersionTag } from '../http.ts';
import { ProposedResponse, proposeIfProtected } from './change-requests.ts';

const SegmentParams = Strict({ segmentKey: Key('segment key') });

const adminSegments: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/segments',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: "An environment's segments",
        querystring: EnvironmentQuery,
        response: {
          200: Type.Object({ segments: Type.Array(SegmentSchema) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      segments: await app.flags.listSegments(request.environmentFor(request.query.environment)),
    }),
  );

  app.get(
    '/segments/:segmentKey',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: 'One segment, with the live flags whose rules use it',
        params: SegmentParams,
        querystring: EnvironmentQuery,
        response: { 200: SegmentDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const environment = request.environmentFor(request.query.environment);
      const { segmentKey } = request.params;
      const [segment, usedBy] = await Promise.all([
        app.flags.getSegment(environment, segmentKey),
        app.flags.segmentUsers(environment, segmentKey),
      ]);
      return { ...segment, usedBy };
    },
  );

  app.post(
    '/segments',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a segment (environment from the query or the body, else the default)',
        querystring: EnvironmentQuery,
        body: SegmentBody,
        response: {
          201: SegmentSchema,
          ...ProposedResponse,
          ...errorResponses(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { environment: requested, key, ...content } = request.body;
      const environment = request.environmentFor(environmentNamed(request.query.environment, requested));
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'segment.create',
          target: key,
          change: content,
        })
      )
        return reply;
      const segment = await app.flags.createSegment(environment, key, content, actorOf(request.principal));
      reply.code(201);
      return segment;
    },
  );

  app.patch(
    '/segments/:segmentKey',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Change a segment; every flag using it moves to its next version. With If-Match: <version>, only if nobody changed it since',
        params: SegmentParams,
        querystring: EnvironmentQuery,
        headers: IfMatchHeader,
        body: PatchSegmentBody,
        response: {
          200: SegmentSchema,
          ...ProposedResponse,
          ...errorResponses(400, 401, 403, 404, 412, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const expectedVersion = parseVersionTag(request.headers['if-match']);
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'segment.update',
          target: request.params.segmentKey,
          change: request.body,
          expectedVersion,
        })
      )
        return reply;
      return app.flags.updateSegment(
        environment,
        request.params.segmentKey,
        request.body,
        actorOf(request.principal),
        expectedVersion,
      );
    },
  );

  app.delete(
    '/segments/:segmentKey',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a segment no flag uses (409 while one does)',
        params: SegmentParams,
        querystring: EnvironmentQuery,
        response: { 204: Type.Null(), ...ProposedResponse, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const environment = request.environmentFor(request.query.environment);
      const target = request.params.segmentKey;
      if (
        await proposeIfProtected(request, reply, environment, {
          kind: 'segment.delete',
          target,
        })
      )
        return reply;
      await app.flags.deleteSegment(environment, request.params.segmentKey, actorOf(request.principal));
      return reply.code(204).send(null);
    },
  );
};

export default adminSegments;
