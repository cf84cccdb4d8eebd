// The admin API's shapes as the UI uses them. They mirror service/src/flags/flag-schemas.ts,
// service/src/flags/rule-schemas.ts and service/src/tokens/token-schemas.ts, which cannot be
// imported here: they build runtime schemas for the server. The operators' module has no
// dependencies, so it is shared.
import type { Operator } from '../../src/flags/operators.ts';

export { OPERATORS, type Operator } from '../../src/flags/operators.ts';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

export const VARIANT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface Condition {
  attribute: string;
  operator: Operator;
  value?: unknown;
}

/** Whole-number weights, any total; the UI saves basis points (100 = 1 %, a total of 10000). */
export type Split = { variant: string; weight: number }[];

export interface Rule {
  description?: string;
  conditions?: Condition[];
  segments?: string[];
  variant?: string;
  split?: Split;
  /** With a split: the context attribute that buckets users (default targetingKey). */
  bucketBy?: string;
  /** With a split: hashed before the bucketing value (default the flag key). */
  seed?: string;
}

export interface Flag {
  key: string;
  environment: string;
  enabled: boolean;
  description: string;
  type: FlagType;
  defaultValue: unknown;
  defaultVariant: string | null;
  offVariant: string | null;
  variants: Record<string, unknown>;
  rules: Rule[];
  /** Other flags this one requires: on, and serving one of the variants named. */
  prerequisites?: Prerequisite[];
  version: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  /** In the admin list: when it was last evaluated (null: never); with ?stale=true, why it is stale. */
  lastEvaluatedAt?: string | null;
  stale?: StaleReason[];
}

export interface StaleReason {
  code: 'unevaluated' | 'unchanged';
  since: string;
  message: string;
}

/** A flag's evaluations over a period (GET /api/admin/flags/:key/usage). */
export interface FlagUsage {
  environment: string;
  flag: string;
  granularity: 'hour' | 'day';
  from: string;
  to: string;
  lastEvaluatedAt: string | null;
  total: number;
  variants: { variant: string; count: number }[];
  series: { start: string; count: number; variants: Record<string, number> }[];
}

export interface Prerequisite {
  flag: string;
  variants: string[];
}

export interface FlagPage {
  flags: Flag[];
  nextCursor: string | null;
}

export interface Segment {
  key: string;
  environment: string;
  description: string;
  conditions: Condition[];
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Keys of the flags whose rules name the segment (the single-segment read only). */
  usedBy?: string[];
}

export interface Environment {
  key: string;
  revision: number;
  /** Changes to its flags and segments are change requests, applied when another person approves. */
  protected: boolean;
  createdAt: string;
}

export interface Actor {
  kind: 'person' | 'token';
  name: string;
  subject?: string | null;
  email?: string | null;
}

export type ChangeRequestState = 'open' | 'scheduled' | 'approved' | 'rejected' | 'stale';

/** A change proposed in a protected environment, waiting for (or given) another person's review. */
export interface ChangeRequest {
  id: string;
  environment: string;
  kind: string;
  target: string;
  change: unknown;
  before: unknown;
  after: unknown;
  baseVersions: { flags: Record<string, number | null>; segments: Record<string, number | null> };
  state: ChangeRequestState;
  proposedBy: Actor;
  createdAt: string;
  decidedBy: Actor | null;
  decidedAt: string | null;
  comment: string | null;
  applyAt: string | null;
  reason: string | null;
}

export interface AuditEvent {
  id: string;
  createdAt: string;
  actor: string;
  by: { kind: 'person' | 'token'; name: string; email?: string; subject?: string };
  action: string;
  environment: string | null;
  flagKey: string | null;
  segmentKey: string | null;
  /** What the change did, in words. */
  summary: string[];
  before?: unknown;
  after?: unknown;
  version: number | null;
  revision: number | null;
}

/** The audit log's filters: a flag, a person or token, an action or a kind (`flag.`), a time range (ISO). */
export interface AuditFilters {
  flagKey?: string;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

export type TokenScope = 'read' | 'admin';

export interface Token {
  id: string;
  name: string;
  scope: TokenScope;
  environment: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface MintedToken extends Token {
  token: string;
}

/** A right a person holds on the listed environments, or on all (`environments: null`). */
export interface Role {
  right: TokenScope;
  environments: string[] | null;
}

export interface Session {
  signedIn: { kind: 'person' | 'token'; name: string };
  /** When a token signed in. */
  token?: { id: string; name: string; scope: TokenScope; environment: string | null };
  /** When a person signed in through the identity provider. */
  person?: { subject: string; name: string; email: string | null; roles: Role[] };
  csrfToken: string;
  expiresAt: string;
}

/** The ways this service offers to sign in. */
export interface SignInOptions {
  token: boolean;
  identityProvider: { name: string; start: string } | null;
}

/** The right a session holds on an environment (null: on every one); undefined when none. */
export function rightOn(session: Session, environment: string | null): TokenScope | undefined {
  if (session.token) {
    const { scope, environment: only } = session.token;
    return only === null || only === environment ? scope : undefined;
  }
  let best: TokenScope | undefined;
  for (const { right, environments } of session.person?.roles ?? []) {
    const reaches = environments === null || (environment !== null && environments.includes(environment));
    if (reaches && (best === undefined || right === 'admin')) best = right;
  }
  return best;
}

/** The OFREP single-evaluation answer: a success (value and variant absent for the caller's default) or a failure. */
export interface Evaluation {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  metadata?: Record<string, unknown>;
  errorCode?: string;
  errorDetails?: string;
}

/** GET /api/admin/flagd/sync: where flagd providers sync an environment from. */
export interface FlagdSyncSettings {
  /** The sync service's port; null when it is off (SYNC_PORT unset). */
  port: number | null;
  /** The environments served without a token (SYNC_OPEN_ENVIRONMENTS). */
  openEnvironments: string[];
  /** The selector a provider sends for this environment. */
  selector: string;
}

export type FlagdImportKind = 'flag' | 'segment';

export interface FlagdRefusal {
  flag: string;
  construct: string;
  path: string;
  message: string;
}

/** POST /api/admin/flagd/import: what a flagd document does to an environment (or did). */
export interface FlagdImportResult {
  environment: string;
  dryRun: boolean;
  /** The environment's revision after an import; null for a dry run. */
  revision: number | null;
  /** What happened, in a sentence. */
  message: string;
  creates: { kind: FlagdImportKind; key: string }[];
  changes: { kind: FlagdImportKind; key: string; before: unknown; after: unknown }[];
  unchanged: { kind: FlagdImportKind; key: string }[];
  refusals: FlagdRefusal[];
  notes: { flag: string; message: string }[];
}

export type ScheduleState = 'pending' | 'applied' | 'skipped' | 'cancelled';

/** A flag change to be made at a set time (the body of a PATCH). */
export interface ScheduledChange {
  id: string;
  environment: string;
  flag: string;
  change: Partial<Flag>;
  applyAt: string;
  state: ScheduleState;
  flagVersion: number;
  createdBy: string;
  createdAt: string;
  appliedAt: string | null;
  resolvedAt: string | null;
  reason: string | null;
}

/** One flag in one environment, as the flag's Environments panel shows it. */
export interface FlagEnvironment {
  environment: string;
  protected: boolean;
  exists: boolean;
  archived: boolean;
  enabled: boolean | null;
  type: FlagType | null;
  version: number | null;
  defaultVariant: string | null;
  offVariant: string | null;
  variants: number;
  rules: number;
  segments: string[];
  updatedAt: string | null;
}

export interface FlagEnvironments {
  key: string;
  environments: FlagEnvironment[];
}

export type PromotionVersions = {
  flags: Record<string, number | null>;
  segments: Record<string, number | null>;
};

export interface PromotionRequest {
  from: string;
  to: string[];
  dryRun: boolean;
  includeState: boolean;
  expectedVersions?: { source: PromotionVersions; targets: Record<string, PromotionVersions> };
}

export type PromotionAction = 'create' | 'change' | 'unchanged';

export interface PromotionTarget {
  environment: string;
  protected: boolean;
  outcome: 'would-apply' | 'would-propose' | 'unchanged' | 'applied' | 'proposed' | 'failed';
  revision: number | null;
  changeRequestId: string | null;
  flag: { action: PromotionAction; before: unknown; after: unknown };
  segments: { key: string; action: PromotionAction; before: unknown; after: unknown; usedBy: string[] }[];
  error: { statusCode: number; code: string; message: string } | null;
}

export interface PromotionReport {
  flag: string;
  from: string;
  dryRun: boolean;
  includeState: boolean;
  message: string;
  expectedVersions: { source: PromotionVersions; targets: Record<string, PromotionVersions> };
  targets: PromotionTarget[];
}
