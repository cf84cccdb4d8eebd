// The port to where segments are kept: named condition sets that flag rules refer to by key. A
// segment write is one transaction that bumps the environment's revision and records its audit
// event, as a flag write is; a batch writes segments through the flag store (flag-store.ts).
import type { ActorRef } from '../access/authorization.ts';
import type { SegmentContent } from './flag-schemas.ts';
import type { Kept, SegmentChange } from './flag-store.ts';
import type { Segment } from './rule-schemas.ts';

export interface SegmentStore {
  /** The environment's segments; null when the environment does not exist. */
  listSegments(environment: string): Promise<Segment[] | null>;
  findSegment(environment: string, key: string): Promise<Segment | null>;
  /** The keys of the live flags whose rules refer to segment `key`, in key order (at most `limit`). */
  segmentUsers(environment: string, key: string, limit: number): Promise<string[]>;
  /** Throws SEGMENT_EXISTS for a key the environment has. */
  createSegment(
    environment: string,
    key: string,
    content: SegmentContent,
    actor: ActorRef,
  ): Promise<Kept<SegmentChange>>;
  /** Throws SEGMENT_NOT_FOUND; `change` may throw to abort. */
  updateSegment(
    environment: string,
    key: string,
    change: (current: Segment) => SegmentContent,
    actor: ActorRef,
  ): Promise<Kept<SegmentChange>>;
  /** Throws SEGMENT_IN_USE while a live flag's rules refer to it. */
  deleteSegment(environment: string, key: string, actor: ActorRef): Promise<SegmentChange>;
}
