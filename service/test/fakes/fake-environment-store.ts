// An in-memory EnvironmentStore with the same rules as the PostgreSQL one
// (prisma-environment-store.ts), on the shared fake tables.
import { errors } from '../../src/errors.ts';
import type { EnvironmentStore } from '../../src/flags/environment-store.ts';
import type { FakeFlagData } from './fake-flag-data.ts';

export function createFakeEnvironmentStore(data: FakeFlagData): EnvironmentStore {
  const { envs, calls } = data;
  return {
    async listEnvironments() {
      return [...envs.values()];
    },
    async createEnvironment(key, actor) {
      if (envs.has(key)) throw errors.environmentExists(key);
      const env = { key, revision: 0, protected: false, createdAt: data.now() };
      envs.set(key, env);
      data.record({ actor, action: 'environment.created', environment: key, after: env });
      return env;
    },
    async loadEnvironment(environment) {
      calls.loadEnvironment += 1;
      data.down();
      const env = envs.get(environment);
      if (!env) return null;
      return {
        revision: env.revision,
        flags: [...data.rows.values()]
          .filter((r) => !r.archived && r.flag.environment === environment)
          .map((r) => [r.flag.key, r.flag] as const),
        segments: [...data.segments.values()]
          .filter((s) => s.environment === environment)
          .map((s) => [s.key, s] as const),
      };
    },
  };
}
