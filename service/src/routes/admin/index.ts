// The admin API: every route here needs an admin token.
import type { FastifyPluginAsync } from 'fastify';
import { limitPerToken } from '../../plugins/rate-limit.ts';
import environments from './environments.ts';
import flags from './flags.ts';
import segments from './segments.ts';
import tokens from './tokens.ts';

const admin: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.requireToken('admin'));
  await limitPerToken(app, 'admin');
  await app.register(flags);
  await app.register(segments);
  await app.register(tokens);
  await app.register(environments);
};

export default admin;
