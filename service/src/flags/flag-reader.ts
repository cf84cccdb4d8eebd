// Reads and evaluations, all from the environment's snapshot: a held snapshot answers at once,
// with no promise, no database and no Redis; the first read of an environment loads it. While
// the database cannot be polled, answers are marked stale (they may be behind).
import { LRUCache } from 'lru-cache';
import { errors } from '../errors.ts';
import { type Answers, evaluate } from '../evaluation/evaluate.ts';
import { bind, type Metrics } from '../metrics.ts';
import type { Flag, FlagContent, FlagList } from './flag-schemas.ts';
import { checkPrerequisites, needsPrerequisiteCheck, nodeOf, requirersOf } from './prerequisites.ts';
import type { Evaluation, EvaluationContext } from './rule-schemas.ts';
import type { Snapshot } from './snapshot.ts';
import type { Snapshots } from './snapshots.ts';

export type KeyedEvaluation = { key: string } & Evaluation;

/** Writes a bulk answer: `results[i]` is the evaluation of `flags[i]`. */
export type BulkRender = (results: Evaluation[], flags: readonly Flag[]) => string;

/** An answer, and whether it may be behind because the database could not be reached. */
export interface Read<T> {
  value: T;
  stale: boolean;
}

/** How many bulk answers are kept at once, and how much of them (UTF-16 code units, keys included). */
export interface BulkAnswerLimits {
  maxAnswers: number;
  maxChars: number;
}

export const BULK_ANSWER_LIMITS: BulkAnswerLimits = { maxAnswers: 10_000, maxChars: 8 * 1024 * 1024 };

export interface FlagReaderDeps {
  snapshots: Snapshots;
  metrics: Pick<Metrics, 'flagReads'>;
  bulkAnswers?: BulkAnswerLimits;
}

export function createFlagReader({ snapshots, metrics, bulkAnswers = BULK_ANSWER_LIMITS }: FlagReaderDeps) {
  // Bulk answers by environment and context, each with the revision it was built at: a fleet of
  // clients with one context polls the same answer, and a new revision replaces it rather than
  // sitting beside it. Bounded in count and size, least recently used first out.
  const answers = new LRUCache<string, { revision: number; body: string; results: Evaluation[] }>({
    max: bulkAnswers.maxAnswers,
    maxSize: bulkAnswers.maxChars,
    sizeCalculation: (answer, key) => answer.body.length + key.length,
  });
  const fromMemory = bind(metrics.flagReads, { source: 'cache' });
  const fromDatabase = bind(metrics.flagReads, { source: 'database' });
  const fromStale = bind(metrics.flagReads, { source: 'stale' });

  /** The snapshot a read uses, counted by where it came from. */
  async function snapshotOf(environment: string): Promise<Snapshot> {
    const held = snapshots.held(environment);
    if (held) {
      (snapshots.stale ? fromStale : fromMemory).inc();
      return held;
    }
    const loaded = await snapshots.read(environment);
    fromDatabase.inc();
    return loaded;
  }

  /** The flag, or a 404; while the snapshot may be behind, a key it lacks might exist: a 503. */
  function flagIn(snapshot: Snapshot, key: string): Flag {
    const flag = snapshot.flag(key);
    if (flag) return flag;
    throw snapshots.stale ? errors.unavailable() : errors.flagNotFound(snapshot.environment, key);
  }

  /** The held, fresh snapshot holding `key`: what the fast path may answer from. */
  function fresh(environment: string, key: string) {
    if (snapshots.stale) return undefined;
    const snapshot = snapshots.held(environment);
    const flag = snapshot?.flag(key);
    if (!snapshot || !flag) return undefined;
    fromMemory.inc();
    return { snapshot, flag };
  }

  return {
    async getFlag(environment: string, key: string): Promise<Read<Flag>> {
      const snapshot = await snapshotOf(environment);
      return { value: flagIn(snapshot, key), stale: snapshots.stale };
    },

    /** The flag when this instance holds it, fresh; undefined for anything else. */
    heldFlag: (environment: string, key: string): Flag | undefined => fresh(environment, key)?.flag,

    /** The evaluation of a flag this instance holds, fresh; undefined when it holds none. */
    evaluateHeld(environment: string, key: string, context: EvaluationContext): Evaluation | undefined {
      const found = fresh(environment, key);
      return found && evaluate(found.flag, found.snapshot.conditions, context, found.snapshot.flag);
    },

    /** The environment's whole snapshot, for what is built from all of it (the flagd document). */
    async snapshot(environment: string): Promise<Read<Snapshot>> {
      return { value: await snapshotOf(environment), stale: snapshots.stale };
    },

    /** The live flags that require flag `key`, in key order (the snapshot's: no query). */
    async requiredBy(environment: string, key: string): Promise<string[]> {
      return requirersOf((await snapshotOf(environment)).list.flags, key);
    },

    /**
     * Checks `content`'s prerequisites as writing it over `before` would, against the snapshot: a
     * change request's check when it is proposed (the write checks again when it is applied).
     */
    async prerequisitesHold(
      environment: string,
      key: string,
      content: FlagContent,
      before: Flag | null,
    ): Promise<void> {
      if (!needsPrerequisiteCheck(content, before)) return;
      const { list } = await snapshotOf(environment);
      const graph = new Map(list.flags.map((flag) => [flag.key, nodeOf(flag)]));
      checkPrerequisites(environment, key, content, before, graph);
    },

    async listFlags(environment: string): Promise<Read<FlagList>> {
      const snapshot = await snapshotOf(environment);
      return { value: snapshot.list, stale: snapshots.stale };
    },

    /** Evaluates one flag for `context`, on the snapshot: no database or Redis round trip. */
    async evaluateFlag(environment: string, key: string, context: EvaluationContext): Promise<Evaluation> {
      const snapshot = await snapshotOf(environment);
      return evaluate(flagIn(snapshot, key), snapshot.conditions, context, snapshot.flag);
    },

    /**
     * The environment's revision, and how to evaluate every live flag of it at that revision, in
     * key order (`results[i]` is the answer for `flags[i]`; a success is the shared answer object):
     * an unchanged bulk answer is known by its revision before anything is evaluated.
     */
    async bulk(environment: string) {
      const { conditions, list, flag: lookup } = await snapshotOf(environment);
      const { revision, flags } = list;
      // A flag other flags require is evaluated once per context, however many require it.
      const evaluateAll = (context: EvaluationContext) => {
        const answers: Answers = new Map();
        return flags.map((flag) => {
          const known = answers.get(flag.key);
          if (known !== undefined) return known;
          const answer = evaluate(flag, conditions, context, lookup, 0, answers);
          answers.set(flag.key, answer);
          return answer;
        });
      };
      return {
        revision,
        flags,
        evaluate: evaluateAll,
        /**
         * What `render` makes of the evaluation for `context`, built once per revision and context:
         * `contextKey` names the context (its stable serialization), and `render` is the one way
         * this service writes a bulk answer. `results` are the evaluations it was written from.
         */
        answer(contextKey: string, context: EvaluationContext, render: BulkRender) {
          const key = `${environment}\n${contextKey}`;
          const held = answers.get(key);
          if (held?.revision === revision) return held;
          const results = evaluateAll(context);
          const answer = { revision, body: render(results, flags), results };
          // An answer of a later revision, built while this request waited, stays.
          if (held === undefined || held.revision < revision) answers.set(key, answer);
          return answer;
        },
      };
    },
  };
}
