// What a flag's prerequisites must be when it is written: flags of its environment that are live,
// variants they have, no circle (a flag requiring itself, directly or through others), and chains
// short enough that an evaluation stays bounded. Checked by the stores in the write's transaction,
// against the environment's prerequisite graph as it is there, so two writes cannot close a circle
// together. Pure: the store hands in the graph.
import { errors } from '../errors.ts';
import type { Flag, FlagContent } from './flag-schemas.ts';
import { MAX_PREREQUISITE_CHECKS, MAX_PREREQUISITE_DEPTH, type Prerequisite } from './rule-schemas.ts';

/** A live flag as prerequisites see it: the names of its variants and what it requires. */
export interface PrerequisiteNode {
  variants: readonly string[];
  prerequisites: readonly Prerequisite[];
}

/**
 * Live flags of an environment by key: at least every one that has prerequisites, and every one
 * the checked flag names (what `prerequisiteKeys` lists).
 */
export type PrerequisiteGraph = ReadonlyMap<string, PrerequisiteNode>;

export const nodeOf = (flag: Pick<FlagContent, 'variants' | 'prerequisites'>): PrerequisiteNode => ({
  variants: Object.keys(flag.variants),
  prerequisites: flag.prerequisites,
});

/** The flags a check needs besides those with prerequisites: the ones `content` requires. */
export const prerequisiteKeys = (content: Pick<FlagContent, 'prerequisites'>) =>
  content.prerequisites.map((p) => p.flag);

/**
 * Whether writing `content` over `before` can break a prerequisite: it names some, or it drops a
 * variant another flag may require. Most writes can do neither and skip reading the graph.
 */
export function needsPrerequisiteCheck(content: FlagContent, before: Flag | null): boolean {
  if (content.prerequisites.length > 0) return true;
  return (
    before !== null && Object.keys(before.variants).some((name) => !Object.hasOwn(content.variants, name))
  );
}

const same = (a: Prerequisite, b: Prerequisite) =>
  a.flag === b.flag &&
  a.variants.length === b.variants.length &&
  a.variants.every((v, i) => b.variants[i] === v);

/**
 * Throws when flag `key` may not be written as `content` (over `before`, null for a create) in an
 * environment whose prerequisite graph is `graph`. A prerequisite the flag already had, unchanged,
 * is not checked again: a flag whose prerequisite was archived while it was archived too can be
 * restored and changed (turned off, above all), and that prerequisite is simply not met.
 */
export function checkPrerequisites(
  environment: string,
  key: string,
  content: FlagContent,
  before: Pick<Flag, 'prerequisites'> | null,
  graph: PrerequisiteGraph,
): void {
  const named = new Set<string>();
  for (const prerequisite of content.prerequisites) {
    const { flag, variants } = prerequisite;
    if (flag === key) throw errors.prerequisiteCycle([key, key]);
    if (named.has(flag)) {
      throw errors.invalidFlag(
        `prerequisites name '${flag}' twice. Name each flag once, with every variant it may serve.`,
      );
    }
    named.add(flag);
    if (before?.prerequisites.some((had) => same(had, prerequisite))) continue;
    const node = graph.get(flag);
    if (node === undefined) throw errors.prerequisiteNotFound(environment, key, flag);
    const missing = variants.filter((v) => !node.variants.includes(v));
    if (missing.length > 0) {
      throw errors.prerequisiteVariantNotFound(key, flag, missing, [...node.variants]);
    }
  }

  const users: { flag: string; variants: string[] }[] = [];
  for (const [other, node] of graph) {
    if (other === key) continue;
    for (const p of node.prerequisites) {
      if (p.flag !== key) continue;
      const lost = p.variants.filter((v) => !Object.hasOwn(content.variants, v));
      if (lost.length > 0) users.push({ flag: other, variants: lost });
    }
  }
  if (users.length > 0) throw errors.prerequisiteVariantInUse(key, users);

  const nodes = new Map(graph);
  nodes.set(key, nodeOf(content));
  const circle = circleThrough(key, nodes);
  if (circle) throw errors.prerequisiteCycle(circle);
  checkLimits(key, nodes);
}

/**
 * A path of prerequisites from `key` back to itself, else undefined. The graph held no circle
 * before this write, so any circle now runs through the flag written.
 */
function circleThrough(key: string, nodes: PrerequisiteGraph): string[] | undefined {
  const seen = new Set<string>();
  const path: string[] = [key];
  const walk = (from: string): boolean => {
    for (const { flag } of nodes.get(from)?.prerequisites ?? []) {
      if (flag === key) {
        path.push(key);
        return true;
      }
      if (seen.has(flag)) continue;
      seen.add(flag);
      path.push(flag);
      if (walk(flag)) return true;
      path.pop();
    }
    return false;
  };
  return walk(key) ? path : undefined;
}

/**
 * Every flag's longest chain and number of checks, with the written flag in place: only the flags
 * that (through others) require it can have changed, but the graph is small, so all are measured.
 */
function checkLimits(key: string, nodes: PrerequisiteGraph) {
  const measured = new Map<string, { depth: number; checks: number }>();
  const measure = (flag: string): { depth: number; checks: number } => {
    const known = measured.get(flag);
    if (known) return known;
    measured.set(flag, { depth: 0, checks: 0 }); // a circle (none should exist) ends here
    let depth = 0;
    let checks = 0;
    for (const p of nodes.get(flag)?.prerequisites ?? []) {
      const below = measure(p.flag);
      depth = Math.max(depth, below.depth + 1);
      checks += below.checks + 1;
    }
    const result = { depth, checks };
    measured.set(flag, result);
    return result;
  };
  for (const flag of nodes.keys()) {
    const { depth, checks } = measure(flag);
    const whose = flag === key ? 'have' : `give '${flag}'`;
    if (depth > MAX_PREREQUISITE_DEPTH) {
      throw errors.prerequisiteLimit(
        key,
        `${whose} a chain of ${depth} prerequisites, one requiring the next; at most ${MAX_PREREQUISITE_DEPTH} are allowed`,
      );
    }
    if (checks > MAX_PREREQUISITE_CHECKS) {
      throw errors.prerequisiteLimit(
        key,
        `${whose} ${checks} prerequisites to check in one evaluation, following every chain; at most ${MAX_PREREQUISITE_CHECKS} are allowed`,
      );
    }
  }
}

/** The live flags of `flags` that require `key`, in key order. */
export const requirersOf = (flags: Iterable<Pick<Flag, 'key' | 'prerequisites'>>, key: string) =>
  [...flags]
    .filter((flag) => flag.key !== key && flag.prerequisites.some((p) => p.flag === key))
    .map((flag) => flag.key)
    .sort();
