// Writing many flags and segments as one change (an import): one transaction, one revision, one
// message, segments before the flags that use them. What each item does is decided against the
// environment as it is: a create, a change, or nothing; an archived flag's key is not taken over.

import { isDeepStrictEqual } from 'node:util';
import type { ActorRef } from '../access/authorization.ts';
import { errors } from '../errors.ts';
import type { ChangeFeed } from './change-feed.ts';
import { changes, checkSegments, contentOf, segmentContent } from './flag-content.ts';
import type { FlagContent, SegmentContent } from './flag-schemas.ts';
import type { BatchState, BatchWrites, FlagStore } from './flag-store.ts';

type Kind = 'flag' | 'segment';

/** A flag or segment to write; `keep` names what the batch cannot say, kept from the one it replaces. */
export interface Batch {
  flags: { key: string; content: FlagContent; keep: ('description' | 'offVariant' | 'enabled')[] }[];
  segments: { key: string; content: SegmentContent; keep: 'description'[] }[];
}

export interface BatchReport {
  /** The environment's revision after the write; null for a dry run. */
  revision: number | null;
  creates: { kind: Kind; key: string }[];
  changes: { kind: Kind; key: string; before: unknown; after: unknown }[];
  unchanged: { kind: Kind; key: string }[];
  /** Flags whose key an archived flag holds: nothing is written while there is one. */
  archived: string[];
}

export interface BatchCommandsDeps {
  store: Pick<FlagStore, 'readBatch' | 'writeBatch'>;
  feed: ChangeFeed;
}

/** What the batch does to the environment as it is now. */
function plan(
  batch: Batch,
  current: BatchState,
): { writes: BatchWrites; report: Omit<BatchReport, 'revision'> } {
  const writes: BatchWrites = { segments: [], flags: [] };
  const report: Omit<BatchReport, 'revision'> = { creates: [], changes: [], unchanged: [], archived: [] };
  for (const { key, content, keep } of batch.segments) {
    const existing = current.segments.get(key);
    const next = { ...content };
    if (existing && keep.includes('description')) next.description = existing.description;
    if (!existing) report.creates.push({ kind: 'segment', key });
    else if (isDeepStrictEqual(segmentContent(existing), next)) {
      report.unchanged.push({ kind: 'segment', key });
      continue;
    } else report.changes.push({ kind: 'segment', key, before: segmentContent(existing), after: next });
    writes.segments.push({ key, content: next });
  }
  for (const { key, content, keep } of batch.flags) {
    const existing = current.flags.get(key);
    if (existing?.archivedAt) {
      report.archived.push(key);
      continue;
    }
    const next = { ...content };
    if (existing && keep.includes('description')) next.description = existing.description;
    if (existing && keep.includes('enabled')) next.enabled = existing.enabled;
    if (existing && keep.includes('offVariant') && existing.offVariant !== null) {
      next.offVariant = Object.hasOwn(next.variants, existing.offVariant) ? existing.offVariant : null;
    }
    if (!existing) report.creates.push({ kind: 'flag', key });
    else if (!changes(existing, next)) {
      report.unchanged.push({ kind: 'flag', key });
      continue;
    } else report.changes.push({ kind: 'flag', key, before: contentOf(existing), after: next });
    writes.flags.push({ key, content: next });
  }
  // An archived flag's key is taken: the batch is refused whole.
  return report.archived.length > 0 ? { writes: { segments: [], flags: [] }, report } : { writes, report };
}

export function createBatchCommands({ store, feed }: BatchCommandsDeps) {
  return {
    /**
     * Writes `batch` (nothing at all while an archived flag holds one of its keys); with
     * `dryRun`, only says what it would do. `check` may throw to refuse the environment as the
     * write's own transaction finds it (e.g. changed since a preview).
     */
    async writeBatch(
      environment: string,
      batch: Batch,
      actor: ActorRef,
      { dryRun = false, check }: { dryRun?: boolean; check?: (current: BatchState) => void } = {},
    ): Promise<BatchReport> {
      const keys = { flags: batch.flags.map((f) => f.key), segments: batch.segments.map((s) => s.key) };
      if (dryRun) {
        const current = await store.readBatch(environment, keys);
        if (!current) throw errors.environmentNotFound(environment);
        check?.(current);
        return { ...plan(batch, current).report, revision: null };
      }
      let report: Omit<BatchReport, 'revision'> | undefined;
      const change = await store.writeBatch(
        environment,
        keys,
        (current) => {
          check?.(current);
          const planned = plan(batch, current);
          report = planned.report;
          return planned.writes;
        },
        checkSegments,
        actor,
      );
      if (change.flags.length > 0 || change.segments.length > 0)
        await feed.committedBatch(environment, change);
      return { ...report!, revision: change.revision };
    },
  };
}
