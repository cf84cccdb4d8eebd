// The flag domain's four stores in memory, on one set of fake tables, as the flag service takes
// them: what unit tests stand on instead of PostgreSQL.
import type { FlagStores } from '../../src/flags/flag-service.ts';
import { createFakeChangeLogStore } from './fake-change-log-store.ts';
import { createFakeEnvironmentStore } from './fake-environment-store.ts';
import { createFakeFlagData } from './fake-flag-data.ts';
import { createFakeFlagStore } from './fake-flag-store.ts';
import { createFakeSegmentStore } from './fake-segment-store.ts';

export function createFakeFlagStores(environments = ['production', 'staging', 'development']) {
  const data = createFakeFlagData(environments);
  const stores: FlagStores = {
    flags: createFakeFlagStore(data),
    segments: createFakeSegmentStore(data),
    environments: createFakeEnvironmentStore(data),
    changeLog: createFakeChangeLogStore(data),
  };
  return {
    stores,
    /** How often instances read the store. */
    calls: data.calls,
    /** Every audit event, newest first. */
    audit: data.audit,
    /** From now on every read and flag write rejects (true) or works again (false). */
    fail(failing: boolean) {
      data.state.failing = failing;
    },
  };
}
