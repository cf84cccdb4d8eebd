// Rows of the flag domain's tables as the domain sees them, and back: shared by the Prisma stores
// of flags, segments, environments and the change log, which all read flags and segments.
import { type Flag as FlagRow, Prisma, type Segment as SegmentRow } from '../generated/prisma/client.ts';
import { defaultValueOf } from './flag-content.ts';
import type { Environment, Flag, FlagContent, SegmentContent } from './flag-schemas.ts';
import type { Condition, Segment } from './rule-schemas.ts';

export const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** Read at once from one snapshot of the database. */
export const SNAPSHOT_READ = { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead };

export const toFlag = (row: FlagRow): Flag => {
  const variants = row.variants as Flag['variants'];
  return {
    key: row.key,
    environment: row.environmentKey,
    enabled: row.enabled,
    description: row.description,
    type: row.type,
    defaultValue: defaultValueOf({ defaultVariant: row.defaultVariant, variants }),
    defaultVariant: row.defaultVariant,
    offVariant: row.offVariant,
    variants,
    rules: row.rules as Flag['rules'],
    prerequisites: row.prerequisites as Flag['prerequisites'],
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
  };
};

/** A flag's content as the columns it is written to. */
export const flagData = (content: FlagContent) => ({
  ...content,
  defaultValue: (defaultValueOf(content) ?? Prisma.DbNull) as Prisma.InputJsonValue,
  variants: content.variants as Prisma.InputJsonValue,
  rules: content.rules as Prisma.InputJsonValue,
  prerequisites: content.prerequisites as Prisma.InputJsonValue,
});

export const toSegment = (row: SegmentRow): Segment => ({
  key: row.key,
  environment: row.environmentKey,
  description: row.description,
  conditions: row.conditions as Condition[],
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** A segment's content as the columns it is written to. */
export const segmentData = (content: SegmentContent) => ({
  description: content.description,
  conditions: content.conditions as Prisma.InputJsonValue,
});

export const toEnvironment = (row: {
  key: string;
  revision: number;
  protected: boolean;
  createdAt: Date;
}): Environment => ({
  key: row.key,
  revision: row.revision,
  protected: row.protected,
  createdAt: row.createdAt.toISOString(),
});
