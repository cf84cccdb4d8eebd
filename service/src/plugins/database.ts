// The database connection, opened once at start and closed last on shutdown.
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/database.ts';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}

export default fp<{ config: Config }>(
  async (app, { config }) => {
    const database = await openDatabase(config);
    app.log.info({ database: database.kind }, 'database ready');
    app.decorate('database', database);
    app.addHook('onClose', () => database.close());
  },
  { name: 'database' },
);
