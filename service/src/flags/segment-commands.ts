// Segments: named condition sets that rules refer to by key. A change is one row, one revision
// and one message; evaluations read the segment's current conditions from the snapshot.
import type { ActorRef } from '../access/authorization.ts';
import { errors } from '../errors.ts';
import { conditionProblem } from '../evaluation/validate-rules.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { SegmentContent } from './flag-schemas.ts';
import type { Segment } from './rule-schemas.ts';
import type { SegmentStore } from './segment-store.ts';

/** How many flags using a segment are listed with it. */
const MAX_LISTED_USERS = 1000;

export interface SegmentCommandsDeps {
  store: SegmentStore;
  feed: ChangeFeed;
}

function checkSegment(content: SegmentContent): SegmentContent {
  const problem = conditionProblem(content.conditions, 'conditions');
  if (problem) throw errors.invalidSegment(problem);
  return content;
}

export function createSegmentCommands({ store, feed }: SegmentCommandsDeps) {
  async function listSegments(environment: string): Promise<Segment[]> {
    const segments = await store.listSegments(environment);
    if (!segments) throw errors.environmentNotFound(environment);
    return segments;
  }

  async function getSegment(environment: string, key: string): Promise<Segment> {
    const segment = await store.findSegment(environment, key);
    if (segment) return segment;
    await listSegments(environment); // an unknown environment is its own 404
    throw errors.segmentNotFound(environment, key);
  }

  return {
    listSegments,
    getSegment,

    /** The keys of the live flags whose rules use segment `key` (an unknown segment is a 404). */
    async segmentUsers(environment: string, key: string): Promise<string[]> {
      await getSegment(environment, key);
      return store.segmentUsers(environment, key, MAX_LISTED_USERS);
    },

    async createSegment(environment: string, key: string, input: Partial<SegmentContent>, actor: ActorRef) {
      const content = checkSegment({ description: '', conditions: [], ...input });
      const change = await store.createSegment(environment, key, content, actor);
      await feed.committed(environment, change);
      return change.segment;
    },

    /** Applies `patch`; with `expectedVersion`, only if the segment is still at that version. */
    async updateSegment(
      environment: string,
      key: string,
      patch: Partial<SegmentContent>,
      actor: ActorRef,
      expectedVersion?: number,
    ) {
      const change = await store.updateSegment(
        environment,
        key,
        (current) => {
          if (expectedVersion !== undefined && current.version !== expectedVersion) {
            throw errors.versionMismatch(key, expectedVersion, current.version, 'Segment');
          }
          return checkSegment({ description: current.description, conditions: current.conditions, ...patch });
        },
        actor,
      );
      await feed.committed(environment, change);
      return change.segment;
    },

    async deleteSegment(environment: string, key: string, actor: ActorRef): Promise<void> {
      await feed.committed(environment, await store.deleteSegment(environment, key, actor));
    },
  };
}
