// Scheduled changes: the service the routes call, and the poll that applies due changes and
// change requests approved for a time. Every instance polls; each due change is claimed by one of
// them in the database, so it is applied once however many run, and by a survivor when the one
// that claimed it dies.
import fp from 'fastify-plugin';
import { instrument } from '../metrics.ts';
import { createPrismaScheduleStore } from '../schedules/prisma-schedule-store.ts';
import { createScheduleService, type ScheduleService } from '../schedules/schedule-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    schedules: ScheduleService;
  }
}

/** How often an instance looks for due changes: a change is applied within about this long of its time. */
export const SCHEDULE_POLL_MS = 1000;

export default fp(
  async (app) => {
    const { log } = app;
    const schedules = createScheduleService({
      store: instrument(createPrismaScheduleStore(app.database.client), app.telemetry.dbQueryDuration),
      flags: app.flags,
      isProtected: (environment) => app.changeRequests.isProtected(environment),
    });
    app.decorate('schedules', schedules);

    let running: Promise<void> | undefined;
    const poll = () => {
      if (running) return; // the previous round is still applying
      running = Promise.all([schedules.applyDue(), app.changeRequests.applyDue()])
        .then(([changes, requests]) => {
          const resolved = changes + requests;
          if (resolved > 0) log.info({ resolved }, 'scheduled changes resolved');
        })
        .catch((err: unknown) => log.warn({ err }, 'scheduled changes could not be applied; trying again'))
        .finally(() => {
          running = undefined;
        });
    };
    const timer = setInterval(poll, SCHEDULE_POLL_MS).unref();
    // Before the database closes: no new round, and the one under way finishes.
    app.addHook('preClose', async () => {
      clearInterval(timer);
      await running;
    });
  },
  { name: 'schedules', dependencies: ['services', 'database', 'metrics', 'change-requests'] },
);
