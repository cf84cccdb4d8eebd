// Prisma CLI settings (generate, migrate). The service itself connects through a driver
// adapter chosen at run time: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
