// Promotion: the service the admin routes call to show a flag across environments and copy it
// from one environment to others (a change request where the target is protected).
import fp from 'fastify-plugin';

import { errors } from '../errors.ts';
import { createPrismaPromotionStore } from '../flags/prisma-promotion-store.ts';
import { createPromotion, type Promotion } from '../flags/promotion.ts';
import { instrument } from '../metrics.ts';
import { databaseFailure } from './errors.ts';

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
          const log = app.log.child({ environment });
          const failure = databaseFailure(
            err,
            log,
            'so nothing was promoted there; retry the promotion to it',
          );
          if (!failure) log.error({ err }, 'promotion write failed');
          return failure;
        },
      }),
    );
  },
  { name: 'promotion', dependencies: ['services', 'change-requests', 'database', 'metrics'] },
);
