// An in-memory SegmentStore with the same rules as the PostgreSQL one (prisma-segment-store.ts),
// on the shared fake tables. `putSegment` is the one create-or-update of a segment with its audit
// event, used by a single segment write and by the fake flag store's batch alike.
import type { ActorRef } from '../../src/access/authorization.ts';
import { errors } from '../../src/errors.ts';
import type { SegmentContent } from '../../src/flags/flag-schemas.ts';
import type { Segment } from '../../src/flags/rule-schemas.ts';
import type { SegmentStore } from '../../src/flags/segment-store.ts';
import type { FakeChange, FakeFlagData } from './fake-flag-data.ts';

/** Creates segment `key` (no `before`; throws SEGMENT_EXISTS) or updates it, and records the event. */
export function putSegment(
  data: FakeFlagData,
  { environment, record }: FakeChange,
  key: string,
  content: SegmentContent,
  before: Segment | null,
  actor: ActorRef,
): Segment {
  if (!before && data.segments.has(data.id(environment, key))) throw errors.segmentExists(environment, key);
  const segment: Segment = before
    ? { ...before, ...content, version: before.version + 1, updatedAt: data.now() }
    : { ...content, key, environment, version: 1, createdAt: data.now(), updatedAt: data.now() };
  data.segments.set(data.id(environment, key), segment);
  record({
    actor,
    action: before ? 'segment.updated' : 'segment.created',
    segmentKey: key,
    before,
    after: segment,
    version: segment.version,
  });
  return segment;
}

export function createFakeSegmentStore(data: FakeFlagData): SegmentStore {
  const { segments, id } = data;
  const found = (environment: string, key: string) => {
    const segment = segments.get(id(environment, key));
    if (!segment) throw errors.segmentNotFound(environment, key);
    return segment;
  };
  return {
    async listSegments(environment) {
      if (!data.envs.has(environment)) return null;
      return [...segments.values()].filter((s) => s.environment === environment);
    },
    async findSegment(environment, key) {
      return segments.get(id(environment, key)) ?? null;
    },
    async segmentUsers(environment, key, limit) {
      return data
        .users(environment, key)
        .map((r) => r.flag.key)
        .sort()
        .slice(0, limit);
    },
    async createSegment(environment, key, content, actor) {
      return data.change(environment, (change) => {
        const segment = putSegment(data, change, key, content, null, actor);
        return { kind: 'segment', key, revision: change.revision, segment };
      });
    },
    async updateSegment(environment, key, update, actor) {
      return data.change(environment, (change) => {
        const before = found(environment, key);
        const segment = putSegment(data, change, key, update(before), before, actor);
        return { kind: 'segment', key, revision: change.revision, segment };
      });
    },
    async deleteSegment(environment, key, actor) {
      return data.change(environment, ({ revision, record }) => {
        const before = found(environment, key);
        const using = data.users(environment, key).map((r) => r.flag.key);
        if (using.length > 0) throw errors.segmentInUse(key, using);
        segments.delete(id(environment, key));
        record({ actor, action: 'segment.deleted', segmentKey: key, before });
        return { kind: 'segment', key, revision, segment: null };
      });
    },
  };
}
