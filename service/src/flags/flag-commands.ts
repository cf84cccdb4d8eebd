// Changing flags: what an admin sends becomes content by the rules of flag-content.ts before
// anything reaches the store; the store writes it in one transaction; the change feed takes the
// committed change to this instance's snapshot and then to every other instance.
import type { ActorRef } from '../access/authorization.ts';
import { errors } from '../errors.ts';
import type { ChangeFeed } from './change-feed.ts';
import { changes, checkSegments, type NewFlag, newContent, patchedContent } from './flag-content.ts';
import type { AdminFlagQuery, Flag, FlagPatch } from './flag-schemas.ts';
import type { FlagStore } from './flag-store.ts';

export interface FlagCommandsDeps {
  store: Omit<FlagStore, 'readBatch' | 'writeBatch'>;
  feed: ChangeFeed;
}

export function createFlagCommands({ store, feed }: FlagCommandsDeps) {
  return {
    async createFlag(environment: string, input: NewFlag, actor: ActorRef): Promise<Flag> {
      const content = newContent(input);
      const change = await store.createFlag(environment, input.key, content, checkSegments, actor);
      await feed.committed(environment, change);
      return change.flag;
    },

    /** Applies `patch`; with `expectedVersion`, only if the flag is still at that version. */
    async updateFlag(
      environment: string,
      key: string,
      patch: FlagPatch,
      actor: ActorRef,
      expectedVersion?: number,
    ): Promise<Flag> {
      const result = await store.updateFlag(
        environment,
        key,
        (current) => {
          if (expectedVersion !== undefined && current.version !== expectedVersion) {
            throw errors.versionMismatch(key, expectedVersion, current.version);
          }
          const content = patchedContent(current, patch);
          return changes(current, content) ? content : undefined;
        },
        checkSegments,
        actor,
      );
      // Nothing changed: no version, revision, audit event or message, so every ETag stays.
      if ('unchanged' in result) return result.unchanged;
      await feed.committed(environment, result);
      return result.flag;
    },

    async archiveFlag(environment: string, key: string, actor: ActorRef): Promise<void> {
      await feed.committed(environment, await store.archiveFlag(environment, key, actor));
    },

    /** Brings an archived flag back as it was, at its next version. */
    async restoreFlag(environment: string, key: string, actor: ActorRef): Promise<Flag> {
      const change = await store.restoreFlag(environment, key, checkSegments, actor);
      await feed.committed(environment, change);
      return change.flag;
    },

    /** A flag as an admin sees it: live or archived. */
    getAdminFlag: (environment: string, key: string) => store.getFlag(environment, key),

    /** A page of an environment's flags, live or archived, optionally those whose key or description holds `q`. */
    async pageFlags(environment: string, query: Omit<AdminFlagQuery, 'environment'>) {
      const page = await store.pageFlags(environment, query);
      if (!page) throw errors.environmentNotFound(environment);
      return page;
    },
  };
}
