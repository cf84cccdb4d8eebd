// Change requests: in a protected environment a change to a flag or segment is checked as it
// would be, recorded with its diff and the versions it was made against, and applied only when
// another person with the admin role there approves it. The approval is written in the same
// transaction as the change, after the environment's row is locked: the request moves from open
// to approved there, and every version is compared there, so a request is applied at most once
// however many instances approve it at the same time, and never over a change made since.
import { type Actor, type ActorRef, actorOf, asActor, type Principal } from '../access/authorization.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { guardedWrite } from '../db/write-guard.ts';
import { DomainError, errors } from '../errors.ts';
import { conditionProblem } from '../evaluation/validate-rules.ts';
import { changes, type NewFlag, newContent, patchedContent } from '../flags/flag-content.ts';
import type { Flag, FlagPatch, SegmentContent } from '../flags/flag-schemas.ts';
import type { FlagService } from '../flags/flag-service.ts';
import type { PromotionChange, PromotionProposal } from '../flags/promotion.ts';
import type { Prisma, ChangeRequest as RequestRow } from '../generated/prisma/client.ts';
import type {
  BaseVersions,
  ChangeRequest,
  ChangeRequestQuery,
  RequestKind,
  RequestState,
} from './request-schemas.ts';

/** A change as a route hands it over, before it is applied or proposed. */
export type Proposal =
  | { kind: 'flag.create'; target: string; change: NewFlag }
  | { kind: 'flag.update'; target: string; change: FlagPatch; expectedVersion?: number }
  | { kind: 'flag.archive' | 'flag.restore' | 'segment.delete'; target: string }
  | { kind: 'segment.create'; target: string; change: Partial<SegmentContent> }
  | { kind: 'segment.update'; target: string; change: Partial<SegmentContent>; expectedVersion?: number }
  | ({ kind: 'flag.promote' } & PromotionProposal);

/** What a proposal became: a request, or nothing to review (the change would change nothing). */
export type Proposed = { request: ChangeRequest } | { unchanged: Flag };

const toRequest = (row: RequestRow): ChangeRequest => ({
  id: row.id,
  environment: row.environmentKey,
  kind: row.kind as RequestKind,
  target: row.target,
  change: row.change,
  before: row.before,
  after: row.after,
  baseVersions: row.baseVersions as BaseVersions,
  state: row.state,
  proposedBy: row.proposedBy as unknown as Actor,
  createdAt: row.createdAt.toISOString(),
  decidedBy: (row.decidedBy as unknown as Actor | null) ?? null,
  decidedAt: row.decidedAt?.toISOString() ?? null,
  comment: row.comment,
  applyAt: row.applyAt?.toISOString() ?? null,
  reason: row.reason,
});

const json = (value: unknown) => (value === undefined ? undefined : (value as Prisma.InputJsonValue));

/** The same person or token: a person by their identity provider's subject, a token by its name. */
const samePrincipal = (a: Actor, b: Actor) =>
  a.kind === b.kind && (a.kind === 'person' ? a.subject === b.subject : a.name === b.name);

/** What made a request stale: thrown inside the applying transaction, so nothing of it is kept. */
class Stale extends Error {
  readonly what: string;
  constructor(what: string) {
    super(what);
    this.what = what;
  }
}

export interface ChangeRequestDeps {
  db: Db;
  flags: Pick<
    FlagService,
    | 'getAdminFlag'
    | 'createFlag'
    | 'updateFlag'
    | 'archiveFlag'
    | 'restoreFlag'
    | 'listSegments'
    | 'getSegment'
    | 'segmentUsers'
    | 'requiredBy'
    | 'contentHolds'
    | 'createSegment'
    | 'updateSegment'
    | 'deleteSegment'
    | 'writeBatch'
  >;
  now?: () => Date;
}

export function createChangeRequests({ db, flags, now = () => new Date() }: ChangeRequestDeps) {
  const findFlag = (environment: string, key: string) =>
    flags.getAdminFlag(environment, key).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'FLAG_NOT_FOUND') return null;
      throw err;
    });

  const findSegment = (environment: string, key: string) =>
    flags.getSegment(environment, key).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'SEGMENT_NOT_FOUND') return null;
      throw err;
    });

  /** The diff and versions of a change, checked by the rules the direct route applies. */
  async function review(environment: string, proposal: Proposal) {
    const key = proposal.target;
    const flagBase = (version: number | null) => ({ flags: { [key]: version }, segments: {} });
    const segmentBase = (version: number | null) => ({ flags: {}, segments: { [key]: version } });
    switch (proposal.kind) {
      // Planned and checked by the promotion, against the versions it records.
      case 'flag.promote':
        return { before: proposal.before, after: proposal.after, base: proposal.base };
      case 'flag.create': {
        const existing = await findFlag(environment, key);
        if (existing) {
          throw existing.archivedAt
            ? errors.flagArchived(environment, key)
            : errors.flagExists(environment, key);
        }
        const content = newContent(proposal.change);
        await flags.contentHolds(environment, key, content, null);
        return { before: null, after: { key, ...content }, base: flagBase(null) };
      }
      case 'flag.update': {
        const current = await flags.getAdminFlag(environment, key);
        if (current.archivedAt) throw errors.flagNotFound(environment, key);
        if (proposal.expectedVersion !== undefined && proposal.expectedVersion !== current.version) {
          throw errors.versionMismatch(key, proposal.expectedVersion, current.version);
        }
        const content = patchedContent(current, proposal.change);
        await flags.contentHolds(environment, key, content, current);
        if (!changes(current, content)) return { unchanged: current };
        return { before: current, after: { ...current, ...content }, base: flagBase(current.version) };
      }
      case 'flag.archive': {
        const current = await flags.getAdminFlag(environment, key);
        if (current.archivedAt) throw errors.flagNotFound(environment, key);
        const requirers = await flags.requiredBy(environment, key);
        if (requirers.length > 0) throw errors.flagRequired(key, requirers);
        return { before: current, after: null, base: flagBase(current.version) };
      }
      case 'flag.restore': {
        const current = await flags.getAdminFlag(environment, key);
        if (!current.archivedAt) throw errors.flagNotArchived(environment, key);
        await flags.contentHolds(environment, key, current, current);
        return {
          before: current,
          after: { ...current, archivedAt: null },
          base: flagBase(current.version),
        };
      }
      case 'segment.create': {
        if (await findSegment(environment, key)) throw errors.segmentExists(environment, key);
        const content = { description: '', conditions: [], ...proposal.change };
        const problem = conditionProblem(content.conditions, 'conditions');
        if (problem) throw errors.invalidSegment(problem);
        await flags.listSegments(environment); // an unknown environment is a 404
        return { before: null, after: { key, ...content }, base: segmentBase(null) };
      }
      case 'segment.update': {
        const current = await flags.getSegment(environment, key);
        if (proposal.expectedVersion !== undefined && proposal.expectedVersion !== current.version) {
          throw errors.versionMismatch(key, proposal.expectedVersion, current.version, 'Segment');
        }
        const content = {
          description: current.description,
          conditions: current.conditions,
          ...proposal.change,
        };
        const problem = conditionProblem(content.conditions, 'conditions');
        if (problem) throw errors.invalidSegment(problem);
        return { before: current, after: { ...current, ...content }, base: segmentBase(current.version) };
      }
      case 'segment.delete': {
        const current = await flags.getSegment(environment, key);
        const users = await flags.segmentUsers(environment, key);
        if (users.length > 0) throw errors.segmentInUse(key, users);
        return { before: current, after: null, base: segmentBase(current.version) };
      }
    }
  }

  /** Makes the change a request would, as `actor`. */
  async function apply(request: ChangeRequest, actor: Actor): Promise<void> {
    const { environment, target } = request;
    const change = request.change as never;
    switch (request.kind) {
      case 'flag.create':
        await flags.createFlag(environment, change, actor);
        return;
      case 'flag.update':
        await flags.updateFlag(environment, target, change, actor);
        return;
      case 'flag.archive':
        return flags.archiveFlag(environment, target, actor);
      case 'flag.restore':
        await flags.restoreFlag(environment, target, actor);
        return;
      case 'segment.create':
        await flags.createSegment(environment, target, change, actor);
        return;
      case 'segment.update':
        await flags.updateSegment(environment, target, change, actor);
        return;
      case 'segment.delete':
        return flags.deleteSegment(environment, target, actor);
      case 'flag.promote':
        await flags.writeBatch(environment, (request.change as PromotionChange).batch, actor);
        return;
    }
  }

  /** Why the versions a request was made against are no longer current, read in the applying transaction. */
  async function staleness(
    tx: Prisma.TransactionClient,
    request: ChangeRequest,
  ): Promise<string | undefined> {
    const environmentKey = request.environment;
    for (const [key, version] of Object.entries(request.baseVersions.flags)) {
      const row = await tx.flag.findUnique({
        where: { environmentKey_key: { environmentKey, key } },
        select: { version: true },
      });
      if ((row?.version ?? null) !== version) {
        return `flag '${key}' (proposed against ${version === null ? 'no flag' : `version ${version}`}, now ${row ? `version ${row.version}` : 'gone'})`;
      }
    }
    for (const [key, version] of Object.entries(request.baseVersions.segments)) {
      const row = await tx.segment.findUnique({
        where: { environmentKey_key: { environmentKey, key } },
        select: { version: true },
      });
      if ((row?.version ?? null) !== version) {
        return `segment '${key}' (proposed against ${version === null ? 'no segment' : `version ${version}`}, now ${row ? `version ${row.version}` : 'gone'})`;
      }
    }
    return undefined;
  }

  const requestEvent = (action: string, before: ChangeRequest | null, after: ChangeRequest) => ({
    action,
    environment: after.environment,
    ...(after.kind.startsWith('flag.') ? { flagKey: after.target } : { segmentKey: after.target }),
    before,
    after,
  });

  async function get(id: string): Promise<ChangeRequest> {
    const row = await db.changeRequest.findUnique({ where: { id } });
    if (!row) throw errors.changeRequestNotFound(id);
    return toRequest(row);
  }

  /** Refuses a reviewer who may not decide `request`: approve an open one, or reject one not yet applied. */
  function checkReviewer(request: ChangeRequest, reviewer: Principal, decidable: RequestState[]): Actor {
    if (reviewer.kind !== 'person') throw errors.reviewNeedsPerson(reviewer.name);
    const actor = actorOf(reviewer);
    if (samePrincipal(actor, request.proposedBy)) throw errors.ownChangeRequest(request.id);
    if (!decidable.includes(request.state)) throw errors.changeRequestDecided(request.id, request.state);
    return actor;
  }

  /**
   * Moves `request` from state `from` as `data` says, with its audit event (`request.<state>`) as
   * `actor`, in `tx`; null when it was no longer in `from`.
   */
  async function transition(
    tx: Prisma.TransactionClient,
    request: ChangeRequest,
    from: RequestState,
    data: Prisma.ChangeRequestUpdateManyMutationInput & { state: RequestState },
    actor: Actor,
  ): Promise<ChangeRequest | null> {
    const { count } = await tx.changeRequest.updateMany({ where: { id: request.id, state: from }, data });
    if (count === 0) return null;
    const after = toRequest(await tx.changeRequest.findUniqueOrThrow({ where: { id: request.id } }));
    await recordAudit(tx, { actor, ...requestEvent(`request.${data.state}`, request, after) });
    return after;
  }

  const decision = (actor: Actor, comment: string | null) => ({
    decidedBy: { ...actor },
    decidedAt: new Date(),
    comment,
  });

  const staleReason = (what: string) =>
    `${what} changed since it was proposed. Look at the environment as it is now and propose the change again if it is still wanted.`;

  /**
   * Applies `request`, moving it from `from` to approved in the change's own transaction, if every
   * version it was made against is current; else records it stale and throws CHANGE_REQUEST_STALE.
   */
  async function applyApproved(
    request: ChangeRequest,
    from: RequestState,
    data: Prisma.ChangeRequestUpdateManyMutationInput,
    approver: Actor,
    applier: Actor,
  ): Promise<ChangeRequest> {
    const { id } = request;
    let approved = null as ChangeRequest | null;
    try {
      await guardedWrite(
        async (tx) => {
          const latest = toRequest(await tx.changeRequest.findUniqueOrThrow({ where: { id } }));
          approved = await transition(tx, latest, from, { ...data, state: 'approved' }, approver);
          if (!approved) throw errors.changeRequestDecided(id, latest.state);
          const stale = await staleness(tx, request);
          if (stale) throw new Stale(stale);
        },
        () => apply(request, applier),
      );
    } catch (err) {
      if (!(err instanceof Stale)) throw err;
      // The approval rolled back with the change; the request is recorded as stale, unless someone decided it meanwhile.
      await db.$transaction((tx) =>
        transition(tx, request, from, { ...data, state: 'stale', reason: staleReason(err.what) }, approver),
      );
      throw errors.changeRequestStale(id, err.what);
    }
    // A write that never reached the database (an unknown environment) would leave nothing approved.
    if (!approved) throw errors.changeRequestDecided(id, (await get(id)).state);
    return approved;
  }

  /** Applies a scheduled request that is due; a change the flag domain no longer accepts leaves it stale, with the reason. */
  async function applyScheduled(request: ChangeRequest): Promise<boolean> {
    const approver = request.decidedBy as Actor;
    const applier: Actor = {
      ...approver,
      name: `${approver.name} (change request ${request.id} proposed by ${request.proposedBy.name}, approved for ${request.applyAt})`,
    };
    try {
      await applyApproved(request, 'scheduled', {}, approver, applier);
      return true;
    } catch (err) {
      if (!(err instanceof DomainError) || err.statusCode >= 500) throw err; // tried again at the next poll
      if (err.code === 'CHANGE_REQUEST_STALE') return true;
      if (err.code === 'CHANGE_REQUEST_DECIDED') return false; // another instance applied it, or it was rejected
      const reason = `${err.message} It was approved for ${request.applyAt}, but not applied; propose a corrected change.`;
      const stale = await db.$transaction((tx) =>
        transition(tx, request, 'scheduled', { state: 'stale', reason }, approver),
      );
      return stale !== null;
    }
  }

  return {
    async isProtected(environment: string): Promise<boolean> {
      const env = await db.environment.findUnique({
        where: { key: environment },
        select: { protected: true },
      });
      return env?.protected ?? false;
    },

    /** Protects an environment or lifts its protection, with its audit event. */
    setProtected: (environment: string, value: boolean, actor: ActorRef) =>
      db.$transaction(async (tx) => {
        const before = await tx.environment.findUnique({ where: { key: environment } });
        if (!before) throw errors.environmentNotFound(environment);
        const after = await tx.environment.update({
          where: { key: environment },
          data: { protected: value },
        });
        if (before.protected !== value) {
          await recordAudit(tx, {
            actor,
            action: value ? 'environment.protected' : 'environment.unprotected',
            environment,
            before: { protected: before.protected },
            after: { protected: value },
          });
        }
        return {
          key: after.key,
          revision: after.revision,
          protected: after.protected,
          createdAt: after.createdAt.toISOString(),
        };
      }),

    /** Records `proposal` as an open request, with its audit event; or says it would change nothing. */
    async propose(environment: string, proposal: Proposal, proposer: ActorRef): Promise<Proposed> {
      const reviewed = await review(environment, proposal);
      if ('unchanged' in reviewed) return { unchanged: reviewed.unchanged as Flag };
      const proposedBy = asActor(proposer);
      const change = 'change' in proposal ? proposal.change : null;
      const request = await db.$transaction(async (tx) => {
        const created = toRequest(
          await tx.changeRequest.create({
            data: {
              environmentKey: environment,
              kind: proposal.kind,
              target: proposal.target,
              change: json(change ?? undefined),
              before: json(reviewed.before ?? undefined),
              after: json(reviewed.after ?? undefined),
              baseVersions: reviewed.base as Prisma.InputJsonValue,
              proposedBy: { ...proposedBy },
            },
          }),
        );
        await recordAudit(tx, { actor: proposedBy, ...requestEvent('request.created', null, created) });
        return created;
      });
      return { request };
    },

    get,

    list: async ({ environment, state, limit }: ChangeRequestQuery & { environment: string }) =>
      (
        await db.changeRequest.findMany({
          where: { environmentKey: environment, state },
          orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
          take: limit,
        })
      ).map(toRequest),

    /**
     * Approves an open request as `reviewer`. Without `applyAt` it is applied now, if every version
     * it was made against is current (else it is marked stale: CHANGE_REQUEST_STALE); with one it
     * is `scheduled`, and applied at that time on the same condition. The change is recorded as
     * the reviewer's, naming the request and its proposer.
     */
    async approve(
      id: string,
      reviewer: Principal,
      comment: string | null,
      applyAt?: string,
    ): Promise<ChangeRequest> {
      const request = await get(id);
      const approver = checkReviewer(request, reviewer, ['open']);
      if (applyAt === undefined) {
        const applier: Actor = {
          ...approver,
          name: `${approver.name} (approving change request ${id} proposed by ${request.proposedBy.name})`,
        };
        return applyApproved(request, 'open', decision(approver, comment), approver, applier);
      }
      const at = new Date(applyAt);
      if (!(at.getTime() > now().getTime())) {
        throw errors.applyAtNotFuture(applyAt, 'to apply the change now, approve it without applyAt');
      }
      const scheduled = await db.$transaction(async (tx) => {
        const stale = await staleness(tx, request);
        const data = stale
          ? ({ state: 'stale', reason: staleReason(stale) } as const)
          : ({ state: 'scheduled', applyAt: at } as const);
        return {
          stale,
          after: await transition(tx, request, 'open', { ...decision(approver, comment), ...data }, approver),
        };
      });
      if (!scheduled.after) throw errors.changeRequestDecided(id, (await get(id)).state);
      if (scheduled.stale) throw errors.changeRequestStale(id, scheduled.stale);
      return scheduled.after;
    },

    /** Applies every scheduled request that is due, in time order; how many were resolved by this instance. */
    async applyDue(): Promise<number> {
      // The database's clock decides what is due: one clock for every instance (timestamps are UTC).
      const due = await db.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM change_requests
        WHERE state = 'scheduled' AND apply_at <= (now() AT TIME ZONE 'UTC')
        ORDER BY apply_at, id
        LIMIT 50`;
      let resolved = 0;
      for (const { id } of due) {
        const request = await get(id);
        if (request.state === 'scheduled' && (await applyScheduled(request))) resolved += 1;
      }
      return resolved;
    },

    /** Rejects an open request, or one approved for a time that has not come (cancelling it). */
    async reject(id: string, reviewer: Principal, comment: string): Promise<ChangeRequest> {
      const request = await get(id);
      const actor = checkReviewer(request, reviewer, ['open', 'scheduled']);
      const rejected = await db.$transaction((tx) =>
        transition(tx, request, request.state, { state: 'rejected', ...decision(actor, comment) }, actor),
      );
      if (!rejected) throw errors.changeRequestDecided(id, (await get(id)).state);
      return rejected;
    },
  };
}

export type ChangeRequests = ReturnType<typeof createChangeRequests>;
