// Scheduled changes: schedule a flag's change for a set time, list them, cancel one.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { type ActorRef, authorize, actorOf as principalActor } from '../../access/authorization.ts';
import { errors } from '../../errors.ts';
import {
  CreateScheduleBody,
  ScheduleListSchema,
  ScheduleQuery,
  ScheduleSchema,
} from '../../schedules/schedule-schemas.ts';
import { errorResponses, Strict } from '../../schema.ts';
import { EnvironmentQuery, environmentNamed } from '../http.ts';

const ScheduleParams = Strict({ id: Type.String({ format: 'uuid' }) });

/** Who a request's changes are recorded as. */
const actorOf = (request: FastifyRequest): ActorRef => principalActor(request.principal);

const scheduledChanges: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/scheduled-changes',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Schedule a flag's change (a PATCH body) for a time in the future; applied then only if the flag is still at the version it is now",
        description:
          '400 when applyAt is not in the future or the change is not a valid PATCH of the flag; 404 for an unknown flag; 409 FLAG_ARCHIVED for an archived one.',
        querystring: EnvironmentQuery,
        body: CreateScheduleBody,
        response: { 201: ScheduleSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { environment: requested, ...input } = request.body;
      const environment = request.environmentFor(environmentNamed(request.query.environment, requested));
      if (await app.changeRequests.isProtected(environment)) {
        throw errors.environmentProtected(environment, 'a scheduled change');
      }
      const schedule = await app.schedules.create(environment, input, actorOf(request));
      return reply.code(201).send(schedule);
    },
  );

  app.get(
    '/scheduled-changes',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary: "An environment's scheduled changes, soonest first; optionally of one flag, in one state",
        querystring: ScheduleQuery,
        response: { 200: ScheduleListSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { environment: requested, ...query } = request.query;
      const environment = request.environmentFor(requested);
      return { scheduledChanges: await app.schedules.list({ ...query, environment }) };
    },
  );

  app.delete(
    '/scheduled-changes/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Cancel a pending scheduled change; 409 when it was already applied, skipped or cancelled',
        params: ScheduleParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const schedule = await app.schedules.get(request.params.id);
      authorize(request.principal, 'admin', schedule.environment);
      await app.schedules.cancel(schedule.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};

export default scheduledChanges;
