// One flag across environments: its state in each, and promotion, which copies its configuration
// (type, description, variants, default and off variants, rules) and the segments its rules use
// from one environment to others. Every target is checked before anything is written, so a
// refusal (an unknown environment, a type mismatch, an archived flag) changes nothing anywhere;
// then each target is written as one batch (one transaction, one revision, audit events and change
// messages as every write), or proposed as one change request where the target is protected.
import { isDeepStrictEqual } from 'node:util';
import type { ActorRef } from '../access/authorization.ts';
import { DomainError, errors } from '../errors.ts';
import type { Batch, BatchReport } from './batch-commands.ts';
import { changes, contentOf, segmentContent } from './flag-content.ts';
import type { Environment, Flag, FlagContent } from './flag-schemas.ts';
import { type BatchState, type FlagStore, segmentsUsedBy } from './flag-store.ts';
import type {
  ExpectedVersions,
  FlagEnvironment,
  FlagEnvironments,
  PromoteInput,
  PromotionReport,
  TargetReport,
  Versions,
} from './promotion-schemas.ts';
import type { Segment } from './rule-schemas.ts';

export interface PromotionStore {
  /** Every environment, with its flag of this key (live or archived) or null. */
  flagAcrossEnvironments(key: string): Promise<{ environment: Environment; flag: Flag | null }[]>;
  readBatch: FlagStore['readBatch'];
}

/** What a protected target's change request holds: the batch it writes when approved. */
export interface PromotionChange {
  from: string;
  includeState: boolean;
  batch: Batch;
}
export interface PromotionProposal {
  target: string;
  change: PromotionChange;
  before: unknown;
  after: unknown;
  base: Versions;
}

export interface PromotionDeps {
  store: PromotionStore;
  flags: {
    writeBatch(
      environment: string,
      batch: Batch,
      actor: ActorRef,
      options: { check: (current: BatchState) => void },
    ): Promise<BatchReport>;
    segmentUsers(environment: string, key: string): Promise<string[]>;
    /** Refuses content whose prerequisites the target cannot meet (no such flag there, a missing variant, a circle). */
    prerequisitesHold(
      environment: string,
      key: string,
      content: FlagContent,
      before: Flag | null,
    ): Promise<void>;
  };
  /** Records a change request in a protected target; its id. */
  propose(environment: string, proposal: PromotionProposal, actor: ActorRef): Promise<string>;
  /**
   * Told of a target's write that failed for a reason of the service's own (not a refusal): what
   * to report for it (e.g. DATABASE_BUSY), else a generic PROMOTION_FAILED is.
   */
  onFailure?: (err: unknown, environment: string) => DomainError | undefined;
}

/** The environment's state of the flag, as the environments view shows it. */
const stateOf = (environment: Environment, flag: Flag | null): FlagEnvironment => ({
  environment: environment.key,
  protected: environment.protected,
  exists: flag !== null,
  archived: flag?.archivedAt != null,
  enabled: flag?.enabled ?? null,
  type: flag?.type ?? null,
  version: flag?.version ?? null,
  defaultVariant: flag?.defaultVariant ?? null,
  offVariant: flag?.offVariant ?? null,
  variants: flag ? Object.keys(flag.variants).length : 0,
  rules: flag?.rules.length ?? 0,
  segments: flag ? segmentsUsedBy(flag.rules) : [],
  updatedAt: flag?.updatedAt ?? null,
});

const versionsOf = (key: string, state: BatchState, segments: string[]): Versions => ({
  flags: { [key]: state.flags.get(key)?.version ?? null },
  segments: Object.fromEntries(segments.map((s) => [s, state.segments.get(s)?.version ?? null])),
});

/** What differs between two sets of versions, in words; undefined when they agree. */
function versionsMoved(expected: Versions, now: Versions): string | undefined {
  for (const kind of ['flags', 'segments'] as const) {
    const keys = new Set([...Object.keys(expected[kind]), ...Object.keys(now[kind])]);
    for (const key of keys) {
      const was = expected[kind][key] ?? null;
      const is = now[kind][key] ?? null;
      if (was !== is) {
        const name = kind === 'flags' ? 'flag' : 'segment';
        const at = (v: number | null) => (v === null ? 'none' : `version ${v}`);
        return `${name} '${key}' (${at(was)} then, ${at(is)} now)`;
      }
    }
  }
  return undefined;
}

interface TargetPlan {
  report: TargetReport;
  batch: Batch;
  base: Versions;
}

/** The target environments a promotion names: one, or a list. */
export const targetsOf = (to: string | string[]) => (typeof to === 'string' ? [to] : to);

export function createPromotion({ store, flags, propose, onFailure }: PromotionDeps) {
  /** The source flag and its segments, refused unless live. */
  async function readSource(key: string, from: string) {
    const state = await store.readBatch(from, { flags: [key], segments: [] });
    if (!state) throw errors.environmentNotFound(from);
    const flag = state.flags.get(key);
    if (!flag) throw errors.flagNotFound(from, key);
    if (flag.archivedAt) throw errors.promotionSourceArchived(from, key);
    const used = segmentsUsedBy(flag.rules);
    const segments = used.length === 0 ? state : await store.readBatch(from, { flags: [], segments: used });
    if (!segments) throw errors.environmentNotFound(from);
    return {
      flag,
      used,
      segments: used.map((s) => segments.segments.get(s)).filter((s): s is Segment => s !== undefined),
      versions: { ...versionsOf(key, segments, used), flags: { [key]: flag.version } },
    };
  }

  /** What promoting `source` does to `environment` as it is now; throws a refusal. */
  async function planTarget(
    key: string,
    environment: Environment,
    source: Awaited<ReturnType<typeof readSource>>,
    includeState: boolean,
    dryRun: boolean,
  ): Promise<TargetPlan> {
    const target = environment.key;
    const state = await store.readBatch(target, { flags: [key], segments: source.used });
    if (!state) throw errors.environmentNotFound(target);
    const existing = state.flags.get(key);
    if (existing?.archivedAt) throw errors.flagArchived(target, key);
    if (existing && existing.type !== source.flag.type) {
      throw errors.flagTypeMismatch(target, key, existing.type, source.flag.type);
    }
    const content: FlagContent = {
      ...contentOf(source.flag),
      enabled: includeState ? source.flag.enabled : (existing?.enabled ?? false),
    };
    await flags.prerequisitesHold(target, key, content, existing ?? null);
    const flagAction = !existing ? 'create' : changes(existing, content) ? 'change' : 'unchanged';
    const segments = await Promise.all(
      source.segments.map(async (segment) => {
        const after = segmentContent(segment);
        const current = state.segments.get(segment.key);
        const before = current ? segmentContent(current) : null;
        const action = !before ? 'create' : isDeepStrictEqual(before, after) ? 'unchanged' : 'change';
        // A changed segment changes whom the target's other flags that use it match.
        const usedBy =
          action === 'change'
            ? (await flags.segmentUsers(target, segment.key)).filter((user) => user !== key)
            : [];
        return { key: segment.key, action, before, after, usedBy } as const;
      }),
    );
    const changed = flagAction !== 'unchanged' || segments.some((s) => s.action !== 'unchanged');
    const outcome = !changed
      ? 'unchanged'
      : dryRun
        ? environment.protected
          ? 'would-propose'
          : 'would-apply'
        : 'applied';
    return {
      base: versionsOf(key, state, source.used),
      batch: {
        segments: source.segments.map((s) => ({ key: s.key, content: segmentContent(s), keep: [] })),
        flags: [{ key, content, keep: includeState ? [] : ['enabled'] }],
      },
      report: {
        environment: target,
        protected: environment.protected,
        outcome,
        revision: null,
        changeRequestId: null,
        flag: { action: flagAction, before: existing ? contentOf(existing) : null, after: content },
        segments,
        error: null,
      },
    };
  }

  /** Writes one target's batch, or proposes it; a failure is reported, not thrown, so others stand. */
  async function applyTarget(
    key: string,
    plan: TargetPlan,
    from: string,
    includeState: boolean,
    actor: ActorRef,
  ) {
    const { report, batch, base } = plan;
    if (report.outcome === 'unchanged') return report;
    const target = report.environment;
    try {
      if (report.protected) {
        const segments = (side: 'before' | 'after') =>
          Object.fromEntries(report.segments.map((s) => [s.key, s[side]]));
        const id = await propose(
          target,
          {
            target: key,
            change: { from, includeState, batch },
            before: { flag: report.flag.before, segments: segments('before') },
            after: { flag: report.flag.after, segments: segments('after') },
            base,
          },
          actor,
        );
        return { ...report, outcome: 'proposed' as const, changeRequestId: id };
      }
      const written = await flags.writeBatch(target, batch, actor, {
        // In the write's own transaction: the target is still as it was planned (and previewed).
        check: (current) => {
          const moved = versionsMoved(base, versionsOf(key, current, Object.keys(base.segments)));
          if (moved) throw errors.promotionStale(target, moved);
        },
      });
      return { ...report, outcome: 'applied' as const, revision: written.revision };
    } catch (caught) {
      const err = caught instanceof DomainError ? caught : onFailure?.(caught, target);
      return {
        ...report,
        outcome: 'failed' as const,
        error: err
          ? { statusCode: err.statusCode, code: err.code, message: err.message }
          : {
              statusCode: 500,
              code: 'PROMOTION_FAILED',
              message: `Writing the promotion to '${target}' failed and was rolled back: nothing changed there. Retry the promotion to '${target}'.`,
            },
      };
    }
  }

  return {
    /** The flag in every environment `mayRead` lets the caller see; 404 when it is in none of them. */
    async environments(key: string, mayRead: (environment: string) => boolean): Promise<FlagEnvironments> {
      const rows = (await store.flagAcrossEnvironments(key)).filter((row) => mayRead(row.environment.key));
      if (!rows.some((row) => row.flag)) throw errors.flagNowhere(key);
      return { key, environments: rows.map((row) => stateOf(row.environment, row.flag)) };
    },

    /**
     * Promotes flag `key` as `input` says (authorization is the caller's). A dry run says what
     * each target would get; otherwise each target is written in its own transaction.
     */
    async promote(key: string, input: PromoteInput, actor: ActorRef): Promise<PromotionReport> {
      const { from, dryRun, includeState, expectedVersions } = input;
      const targets = targetsOf(input.to);
      if (targets.includes(from)) throw errors.promotionToSource(from);
      const environments = new Map(
        (await store.flagAcrossEnvironments(key)).map((row) => [row.environment.key, row.environment]),
      );
      for (const name of [from, ...targets]) {
        if (!environments.has(name)) throw errors.environmentNotFound(name);
      }
      const source = await readSource(key, from);
      const stale = expectedVersions && versionsMoved(expectedVersions.source, source.versions);
      if (stale) throw errors.promotionStale(from, stale);
      // Every target is planned, and refused, before any is written.
      const plans: TargetPlan[] = [];
      for (const target of targets) {
        const plan = await planTarget(key, environments.get(target)!, source, includeState, dryRun);
        checkExpected(expectedVersions, target, plan.base);
        plans.push(plan);
      }
      const expected = {
        source: source.versions,
        targets: Object.fromEntries(plans.map((plan) => [plan.report.environment, plan.base])),
      };
      const reports = dryRun
        ? plans.map((plan) => plan.report)
        : await sequence(plans, (plan) => applyTarget(key, plan, from, includeState, actor));
      return {
        flag: key,
        from,
        dryRun,
        includeState,
        message: summary(key, from, dryRun, reports),
        expectedVersions: expected,
        targets: reports,
      };
    },
  };
}

function checkExpected(expected: ExpectedVersions | undefined, target: string, base: Versions) {
  if (!expected) return;
  const previewed = expected.targets[target];
  const moved = previewed ? versionsMoved(previewed, base) : 'the environment (not in the preview)';
  if (moved) throw errors.promotionStale(target, moved);
}

/** One after another: targets are written in the order given. */
async function sequence<T, R>(items: T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await each(item));
  return results;
}

const WORDS: Record<TargetReport['outcome'], string> = {
  'would-apply': 'would be changed',
  'would-propose': 'would get a change request (protected)',
  unchanged: 'already has it',
  applied: 'changed',
  proposed: 'got a change request (protected: applied on approval)',
  failed: 'failed, nothing written there',
};

function summary(key: string, from: string, dryRun: boolean, reports: TargetReport[]) {
  const parts = reports.map((r) => `${r.environment} ${WORDS[r.outcome]}`).join('; ');
  return `${dryRun ? 'Dry run of promoting' : 'Promoted'} '${key}' from '${from}': ${parts}.${dryRun ? ' Nothing was written.' : ''}`;
}
export type Promotion = ReturnType<typeof createPromotion>;
