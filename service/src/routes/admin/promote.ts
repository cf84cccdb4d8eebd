// One flag across environments: its state in each environment the caller may read, and
// promotion from one environment to others (dry run first: the diff per target).
import { STATUS_CODES } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, authorize, rightOn } from '../../access/authorization.ts';
import { FlagKey } from '../../flags/flag-schemas.ts';
import { targetsOf } from '../../flags/promotion.ts';
import {
  FlagEnvironmentsSchema,
  PromoteBody,
  PromotionFailureSchema,
  PromotionReportSchema,
} from '../../flags/promotion-schemas.ts';
import { errorResponses, Strict } from '../../schema.ts';

const FlagParams = Strict({ flagKey: FlagKey });
/** What a promotion may fail with: an error, with what became of each target when it got that far. */
type FailureStatus = 400 | 404 | 409 | 500 | 503;

const promote: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/flags/:flagKey/environments',
    {
      config: { readable: true },
      schema: {
        tags: ['admin'],
        summary:
          'The flag in every environment the caller may read, side by side: exists, on/off, archived, version, variants, rules',
        params: FlagParams,
        response: { 200: FlagEnvironmentsSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { principal } = request;
      return app.promotion.environments(
        request.params.flagKey,
        (environment) => rightOn(principal, environment) !== undefined,
      );
    },
  );

  app.post(
    '/flags/:flagKey/promote',
    {
      schema: {
        tags: ['admin'],
        summary:
          "Copy a flag's configuration and the segments its rules use from one environment to others; dryRun: true shows the diff per target and writes nothing",
        description:
          "Copies type, description, variants, default and off variants and rules; on/off only with includeState. Segments its rules use are created in a target where missing and updated where they differ (usedBy lists the other flags such an update affects). Every target is checked first: an unknown environment, a type mismatch or an archived flag refuses the whole promotion and nothing is written. Then each target is written in its own transaction, or becomes a change request where it is protected. Needs read on `from` and admin on every target. With the expectedVersions a dry run returned, nothing is written where something changed since (409 PROMOTION_STALE). When a target fails while others were written: 409 PROMOTION_INCOMPLETE with every target's outcome.",
        params: FlagParams,
        body: PromoteBody,
        response: {
          200: PromotionReportSchema,
          ...errorResponses(401, 403, 413, 415),
          400: PromotionFailureSchema,
          404: PromotionFailureSchema,
          409: PromotionFailureSchema,
          500: PromotionFailureSchema,
          503: PromotionFailureSchema,
        },
      },
    },
    async (request, reply) => {
      const { principal, body } = request;
      authorize(principal, 'read', body.from);
      for (const target of targetsOf(body.to)) {
        authorize(principal, 'admin', target);
      }
      const report = await app.promotion.promote(request.params.flagKey, body, actorOf(principal));
      const failed = report.targets.filter((target) => target.outcome === 'failed');
      if (failed.length === 0) return report;
      // Each target is its own transaction: say which failed, and what became of the others.
      const first = failed[0]!.error!;
      const partial = failed.length < report.targets.filter((t) => t.outcome !== 'unchanged').length;
      const statusCode = (partial ? 409 : first.statusCode) as FailureStatus;
      // The database down or busy: worth retrying soon, as for any other write.
      if (statusCode === 503) reply.header('retry-after', '1');
      return reply.code(statusCode).send({
        statusCode,
        code: partial ? 'PROMOTION_INCOMPLETE' : first.code,
        error: STATUS_CODES[statusCode] ?? 'Error',
        message: partial
          ? `${report.message} Failed in ${failed.map((t) => `'${t.environment}'`).join(', ')}: ${first.message}`
          : first.message,
        targets: report.targets,
      });
    },
  );
};

export default promote;
