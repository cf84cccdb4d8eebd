// One flag across environments, and promoting it from one environment to others: the request
// and answer shapes.
import Type, { type Static } from 'typebox';
import { ErrorSchema, Nullable, Strict, Timestamp } from '../schema.ts';
import { EnvironmentKey, FlagKey, FlagType } from './flag-schemas.ts';

export const FlagEnvironmentSchema = Type.Object({
  environment: Type.String(),
  protected: Type.Boolean({ description: 'changes there are change requests, applied on approval' }),
  exists: Type.Boolean({ description: 'the environment has a flag with this key (live or archived)' }),
  archived: Type.Boolean(),
  enabled: Nullable(Type.Boolean()),
  type: Nullable(FlagType),
  version: Nullable(Type.Integer()),
  defaultVariant: Nullable(Type.String()),
  offVariant: Nullable(Type.String()),
  variants: Type.Integer({ description: 'how many variants' }),
  rules: Type.Integer({ description: 'how many targeting rules' }),
  segments: Type.Array(Type.String(), { description: 'the segments its rules use' }),
  updatedAt: Nullable(Timestamp),
});
export type FlagEnvironment = Static<typeof FlagEnvironmentSchema>;

export const FlagEnvironmentsSchema = Type.Object({
  key: Type.String(),
  environments: Type.Array(FlagEnvironmentSchema, {
    description: 'every environment the caller may read, in key order',
  }),
});
export type FlagEnvironments = Static<typeof FlagEnvironmentsSchema>;

const VersionMap = (what: string) =>
  Type.Record(Type.String(), Nullable(Type.Integer()), {
    description: `${what} key → its version; null: it does not exist`,
  });
export const VersionsSchema = Strict({ flags: VersionMap('flag'), segments: VersionMap('segment') });
export type Versions = Static<typeof VersionsSchema>;

export const ExpectedVersionsSchema = Strict(
  {
    source: VersionsSchema,
    targets: Type.Record(Type.String(), VersionsSchema),
  },
  {
    description:
      'the versions a dry run was made against, as it returned them: the promotion is applied only where they are still current (else 409 PROMOTION_STALE)',
  },
);
export type ExpectedVersions = Static<typeof ExpectedVersionsSchema>;

export const PromoteBody = Strict({
  from: EnvironmentKey,
  to: Type.Union(
    [EnvironmentKey, Type.Array(EnvironmentKey, { minItems: 1, maxItems: 20, uniqueItems: true })],
    {
      description: 'the target environment, or a list of them (each written in its own transaction)',
    },
  ),
  dryRun: Type.Boolean({ default: false, description: 'true: only say what would change, write nothing' }),
  includeState: Type.Boolean({
    default: false,
    description:
      'true: copy on/off too. By default each target keeps its own on/off (a flag created in a target starts off), as LaunchDarkly and Unleash do: promoting targeting never switches a flag on.',
  }),
  expectedVersions: Type.Optional(ExpectedVersionsSchema),
});
export type PromoteInput = Static<typeof PromoteBody>;

const Action = Type.Enum(['create', 'change', 'unchanged']);

export const TargetReportSchema = Type.Object({
  environment: Type.String(),
  protected: Type.Boolean(),
  outcome: Type.Enum(['would-apply', 'would-propose', 'unchanged', 'applied', 'proposed', 'failed'], {
    description:
      'a dry run: would-apply, would-propose (protected: a change request), unchanged; else applied, proposed, unchanged or failed (nothing written there)',
  }),
  revision: Nullable(Type.Integer({ description: "the target's revision after the promotion" })),
  changeRequestId: Nullable(Type.String({ description: 'the change request made in a protected target' })),
  flag: Type.Object({
    action: Action,
    before: Type.Unknown({ description: "the flag's content in the target; null when it does not exist" }),
    after: Type.Unknown({ description: 'its content after the promotion' }),
  }),
  segments: Type.Array(
    Type.Object({
      key: Type.String(),
      action: Action,
      before: Type.Unknown(),
      after: Type.Unknown(),
      usedBy: Type.Array(Type.String(), {
        description:
          "the target's other live flags that use this segment: a change to it changes whom they match too",
      }),
    }),
  ),
  error: Nullable(Type.Object({ statusCode: Type.Integer(), code: Type.String(), message: Type.String() })),
});
export type TargetReport = Static<typeof TargetReportSchema>;

export const PromotionReportSchema = Type.Object({
  flag: FlagKey,
  from: Type.String(),
  dryRun: Type.Boolean(),
  includeState: Type.Boolean(),
  message: Type.String(),
  expectedVersions: Type.Object(
    { source: VersionsSchema, targets: Type.Record(Type.String(), VersionsSchema) },
    { description: 'send these back with the same promotion to apply it only if nothing changed since' },
  ),
  targets: Type.Array(TargetReportSchema),
});
export type PromotionReport = Static<typeof PromotionReportSchema>;

/** A promotion that failed in some targets: the error, and what happened in each target. */
export const PromotionFailureSchema = Type.Object({
  ...ErrorSchema.properties,
  targets: Type.Optional(Type.Array(TargetReportSchema)),
});
