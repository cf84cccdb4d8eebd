// Promotion: the service the admin routes call to show a flag across environments and copy it
// from one environment to others (a change request where the target is protected).
import fp from 'fastify-plugin';
import { isContention, isUnavailable } from '../db/database.ts';
import { errors } from '../errors.ts';
import { createPrismaPromotionStore } from '../flags/prisma-promotion-store.ts';
import { createPromotion, type Promotion } from '../flags/promotion.ts';
import { instrument } from '../metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    promotion: Promotion;
  }
}

export default fp(
  async (app) => {
    const { changeRequests } = app;
    app.decorate(
      'promotion',
      createPromotion({
        store: instrument(createPrismaPromotionStore(app.database.client), app.telemetry.dbQueryDuration),
        flags: app.flags,
        async propose(environment, proposal, actor) {
          const proposed = await changeRequests.propose(
            environment,
            { kind: 'flag.promote', ...proposal },
            actor,
          );
          // A promotion proposes only what changes something.
          if (!('request' in proposed)) throw errors.invalidInput('The promotion changes nothing there.');
          return proposed.request.id;
        },
        // As the error handler maps a failed request: the database down or contended is a 503.
        onFailure(err, environment) {
          if (isUnavailable(err)) {
            app.log.warn({ err, environment }, 'database unavailable');
            return errors.unavailable('so nothing was promoted there; retry the promotion to it');
          }
          if (isContention(err)) {
            app.log.warn({ err, environment }, 'database contention');
            return errors.busy();
          }
          app.log.error({ err, environment }, 'promotion write failed');
          return undefined;
        },
      }),
    );
  },
  { name: 'promotion', dependencies: ['services', 'change-requests', 'database', 'metrics'] },
);
