// Usage: a flag's evaluations over time, and the admin flag list with last evaluations, or only
// the stale flags with their reasons (GET /flags?stale=true, served from flags.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../errors.ts';
import { type AdminFlagQuery, FlagKey } from '../../flags/flag-schemas.ts';
import { errorResponses, Strict } from '../../schema.ts';
import { UsageQuery, UsageSchema } from '../../usage/usage-schemas.ts';

/** A page of the admin flag list with each flag's last evaluation; with `stale`, the stale flags only. */
export async function flagPageWithUsage(
  app: FastifyInstance,
  environment: string,
  { stale, ...query }: Omit<AdminFlagQuery, 'environment'>,
) {
  if (stale) {
    if (query.archived || query.q !== undefined) {
      throw errors.invalidInput('stale=true lists live flags by key: drop archived=true and q.');
    }
    const { value: snapshot } = await app.flags.snapshot(environment);
    const page = await app.usage.stalePage(environment, query);
    const flags = page.stale.flatMap(({ key, lastEvaluatedAt, reasons }) => {
      const flag = snapshot.flag(key);
      return flag ? [{ ...flag, lastEvaluatedAt, stale: reasons }] : [];
    });
    return { flags, nextCursor: page.nextCursor };
  }
  const page = await app.flags.pageFlags(environment, query);
  const last = await app.usage.lastEvaluated(
    environment,
    page.flags.map((flag) => flag.key),
  );
  const flags = page.flags.map((flag) => ({
    ...flag,
    lastEvaluatedAt: last.get(flag.key)?.toISOString() ?? null,
  }));
  return { flags, nextCursor: page.nextCursor };
}

const usage: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/flags/:flagKey/usage',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          "A flag's evaluations over a period: totals per variant, last evaluated, and counts per hour or day (as of the last flush)",
        params: Strict({ flagKey: FlagKey }),
        querystring: UsageQuery,
        response: { 200: UsageSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { environment: requested, ...query } = request.query;
      const environment = request.environmentFor(requested);
      const { flagKey } = request.params;
      await app.flags.getAdminFlag(environment, flagKey); // an unknown flag is a 404
      return app.usage.usage(environment, flagKey, query);
    },
  );
};

export default usage;
