// The token store on PostgreSQL through Prisma.
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { Prisma, ApiToken as TokenRow } from '../generated/prisma/client.ts';
import type { Token } from './token-schemas.ts';
import type { TokenStore } from './token-store.ts';

type Tx = Prisma.TransactionClient;

export const toToken = (row: TokenRow): Token => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  environment: row.environmentKey,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** The admin tokens that reach every environment: one must stay live, or nobody can administer. */
const EVERY_ENVIRONMENT_ADMIN = { scope: 'admin', environmentKey: null, revokedAt: null } as const;

/** Appends to the token change log, in the transaction of the change. */
export async function logTokenChange(tx: Tx, tokenId: string | null, sessionId: string | null = null) {
  await tx.tokenChange.create({ data: { tokenId, sessionId } });
}

/**
 * A transaction that changes tokens or sessions, one at a time until commit, locked before it
 * reads anything: revisions of the change log then become visible in order (a reader past
 * revision R has seen every change before it), and what a change checks (the last admin token,
 * a live bootstrap token) still holds when it commits.
 */
export const changeTokens = <T>(db: Db, work: (tx: Tx) => Promise<T>) =>
  db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flagstone:token-changes'))`;
    return work(tx);
  });

export function createPrismaTokenStore(db: Db): TokenStore {
  return {
    create: ({ name, scope, environment, secretHash }, actor) =>
      changeTokens(db, async (tx) => {
        if (environment && !(await tx.environment.findUnique({ where: { key: environment } }))) {
          throw errors.environmentNotFound(environment);
        }
        const token = toToken(
          await tx.apiToken.create({
            data: { name, scope, environmentKey: environment ?? null, secretHash },
          }),
        );
        await recordAudit(tx, { actor, action: 'token.created', environment, after: token });
        await logTokenChange(tx, token.id);
        return token;
      }),

    async findByHash(secretHash) {
      const row = await db.apiToken.findUnique({ where: { secretHash } });
      return row && toToken(row);
    },

    async knownTokens() {
      const rows = await db.apiToken.findMany({ select: { id: true, secretHash: true, revokedAt: true } });
      return rows.map((r) => ({ id: r.id, secretHash: r.secretHash, live: r.revokedAt === null }));
    },

    async list() {
      return (await db.apiToken.findMany({ orderBy: { createdAt: 'asc' } })).map(toToken);
    },

    revoke: (id, actor) =>
      // Of two revocations of the last two such tokens, the second sees the first.
      changeTokens(db, async (tx) => {
        const row = await tx.apiToken.findUnique({ where: { id } });
        if (!row) return null;
        if (row.revokedAt) return toToken(row);
        if (row.scope === 'admin' && row.environmentKey === null) {
          const others = await tx.apiToken.count({ where: { ...EVERY_ENVIRONMENT_ADMIN, id: { not: id } } });
          if (others === 0) throw errors.lastAdminToken(row.name);
        }
        const token = toToken(await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
        await recordAudit(tx, {
          actor,
          action: 'token.revoked',
          environment: token.environment,
          before: toToken(row),
          after: token,
        });
        await logTokenChange(tx, id);
        return token;
      }),

    setNamedAdminToken: (name, secretHash, ifAbsent = false) =>
      // Instances starting together must not both create the token.
      changeTokens(db, async (tx) => {
        const live = await tx.apiToken.findFirst({ where: { name, ...EVERY_ENVIRONMENT_ADMIN } });
        if (live && (ifAbsent || live.secretHash === secretHash))
          return { outcome: 'unchanged', id: live.id } as const;
        // A revoked secret stays revoked, even while it is still the configured one.
        const taken = await tx.apiToken.findUnique({ where: { secretHash } });
        if (taken?.revokedAt) return { outcome: 'revoked', id: taken.id } as const;
        const row = live
          ? await tx.apiToken.update({ where: { id: live.id }, data: { secretHash } })
          : await tx.apiToken.create({ data: { name, scope: 'admin', secretHash } });
        await recordAudit(tx, {
          actor: 'system',
          action: live ? 'token.rotated' : 'token.created',
          after: toToken(row),
        });
        await logTokenChange(tx, row.id);
        return { outcome: live ? 'rotated' : 'created', id: row.id } as const;
      }),

    async hasNamedToken(name) {
      return (await db.apiToken.count({ where: { name, revokedAt: null } })) > 0;
    },

    async touch(id, at) {
      await db.apiToken.update({ where: { id }, data: { lastUsedAt: at } });
    },

    async lastTokenChange() {
      return (await db.tokenChange.aggregate({ _max: { revision: true } }))._max.revision ?? 0;
    },

    tokenChangesSince: (revision) =>
      db.tokenChange.findMany({
        where: { revision: { gt: revision } },
        orderBy: { revision: 'asc' },
        select: { revision: true, tokenId: true, sessionId: true },
      }),
  };
}
