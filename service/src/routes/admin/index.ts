// The admin API: every route here needs an admin token, except the reads marked `readable`,
// which a read token may make too (what the web UI shows a read-only admin). The web UI's
// session cookie stands in for the token.
import type { FastifyPluginAsync } from 'fastify';
import { errors } from '../../errors.ts';
import flagdExport from '../../flagd/admin-export-route.ts';
import flagd from '../../flagd/admin-routes.ts';
import { limitPerToken } from '../../plugins/rate-limit.ts';
import { unstorable } from '../../storable.ts';
import changeRequests from './change-requests.ts';
import environments from './environments.ts';
import events from './events.ts';
import flags from './flags.ts';
import promote from './promote.ts';
import scheduledChanges from './scheduled-changes.ts';
import segments from './segments.ts';
import tokens from './tokens.ts';
import usage from './usage.ts';
import webhooks from './webhooks.ts';

const admin: FastifyPluginAsync = async (app) => {
  app.addHook(
    'onRequest',
    app.requireToken((request) => (request.routeOptions.config.readable ? 'read' : 'admin'), {
      sessions: true,
    }),
  );
  await limitPerToken(app, 'admin');
  // Before the schema: what PostgreSQL cannot store is refused by name, never a 500.
  app.addHook('preValidation', async (request) => {
    const maxDepth = request.routeOptions.config.bodyDepth;
    const problem = request.body === undefined ? undefined : unstorable(request.body, 'body', { maxDepth });
    if (problem) throw errors.invalidInput(problem);
  });
  // A change made here reaches webhooks at once, whether or not this instance holds its environment.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && reply.statusCode < 300) app.deliverWebhooks();
  });
  await app.register(flags);
  await app.register(promote);
  await app.register(usage);
  await app.register(segments);
  await app.register(scheduledChanges);
  await app.register(tokens);
  await app.register(environments);
  await app.register(changeRequests);
  await app.register(events);
  await app.register(webhooks);
  await app.register(flagd, { prefix: '/flagd' });
  await app.register(flagdExport, { prefix: '/flagd' });
};

export default admin;
