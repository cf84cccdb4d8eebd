// The admin API's shapes as the UI uses them: the server's own schema types, imported as types
// only (erased by the build, so no server code reaches the bundle). What the server has no
// schema module for (the UI's own view models, the session and flagd answers) is kept here.

import type { AuditQuery, FlagType } from '../../src/flags/flag-schemas.ts';
import type { ChangeRequest as ServerChangeRequest } from '../../src/requests/request-schemas.ts';
import type { Schedule } from '../../src/schedules/schedule-schemas.ts';
import type { TokenScope } from '../../src/tokens/token-schemas.ts';

export type {
  AuditEvent,
  AuditPage,
  CreateFlagInput,
  Environment,
  Flag,
  FlagPatch,
  FlagType,
  SegmentInput,
  SegmentPatch,
} from '../../src/flags/flag-schemas.ts';
export { OPERATORS, type Operator } from '../../src/flags/operators.ts';
export type {
  FlagEnvironment,
  FlagEnvironments,
  PromoteInput as PromotionRequest,
  PromotionReport,
  TargetReport as PromotionTarget,
} from '../../src/flags/promotion-schemas.ts';
export type {
  Condition,
  Prerequisite,
  Rule,
  Segment,
  SegmentDetail,
  Split,
} from '../../src/flags/rule-schemas.ts';
export type { BaseVersions, RequestState as ChangeRequestState } from '../../src/requests/request-schemas.ts';
export type { ScheduleState } from '../../src/schedules/schedule-schemas.ts';
export type { Actor } from '../../src/schema.ts';
export type { MintedToken, MintTokenInput, Token, TokenScope } from '../../src/tokens/token-schemas.ts';
export type { AdminFlagPage, FlagUsage, StaleReason } from '../../src/usage/usage-schemas.ts';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const satisfies readonly FlagType[];

export const VARIANT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A change proposed in a protected environment, waiting for (or given) another person's review. */
export type ChangeRequest = ServerChangeRequest;

/** A flag change to be made at a set time (the body of a PATCH). */
export type ScheduledChange = Schedule;

/** The audit log's filters: a flag, a person or token, an action or a kind (`flag.`), a time range (ISO). */
/** What the audit screen filters by: the server's own query fields. */
export type AuditFilters = Pick<AuditQuery, 'flagKey' | 'actor' | 'action' | 'from' | 'to'>;

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
