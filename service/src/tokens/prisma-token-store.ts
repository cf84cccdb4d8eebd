// The token store on PostgreSQL through Prisma.
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/database.ts';
import { errors } from '../errors.ts';
import type { ApiToken as TokenRow } from '../generated/prisma/client.ts';
import type { Token } from './token-schemas.ts';
import type { TokenStore } from './token-store.ts';

const toToken = (row: TokenRow): Token => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  environment: row.environmentKey,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** Ended and expired sessions are deleted a day after they expire. */
const SESSION_KEPT_MS = 24 * 3600_000;

export function createPrismaTokenStore(db: Db): TokenStore {
  return {
    create: ({ name, scope, environment, secretHash }, actor) =>
      db.$transaction(async (tx) => {
        if (environment && !(await tx.environment.findUnique({ where: { key: environment } }))) {
          throw errors.environmentNotFound(environment);
        }
        const token = toToken(
          await tx.apiToken.create({
            data: { name, scope, environmentKey: environment ?? null, secretHash },
          }),
        );
        await recordAudit(tx, { actor, action: 'token.created', environment, after: token });
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
      db.$transaction(async (tx) => {
        const row = await tx.apiToken.findUnique({ where: { id } });
        if (!row) return null;
        if (row.revokedAt) return { token: toToken(row), secretHash: row.secretHash };
        const token = toToken(await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
        await recordAudit(tx, {
          actor,
          action: 'token.revoked',
          environment: token.environment,
          before: toToken(row),
          after: token,
        });
        return { token, secretHash: row.secretHash };
      }),

    setNamedAdminToken: (name, secretHash, ifAbsent = false) =>
      db.$transaction(async (tx) => {
        // Instances starting together must not both create the token.
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flagstone:named-admin-token'))`;
        const live = await tx.apiToken.findFirst({
          where: { name, scope: 'admin', environmentKey: null, revokedAt: null },
        });
        if (live && (ifAbsent || live.secretHash === secretHash))
          return { outcome: 'unchanged', id: live.id } as const;
        const row = live
          ? await tx.apiToken.update({ where: { id: live.id }, data: { secretHash } })
          : await tx.apiToken.create({ data: { name, scope: 'admin', secretHash } });
        await recordAudit(tx, {
          actor: 'system',
          action: live ? 'token.rotated' : 'token.created',
          after: toToken(row),
        });
        return { outcome: live ? 'rotated' : 'created', id: row.id } as const;
      }),

    async hasNamedToken(name) {
      return (await db.apiToken.count({ where: { name, revokedAt: null } })) > 0;
    },

    async touch(id, at) {
      await db.apiToken.update({ where: { id }, data: { lastUsedAt: at } });
    },

    async createSession({ tokenId, secretHash, expiresAt }) {
      const now = new Date();
      await db.session.deleteMany({
        where: { expiresAt: { lt: new Date(now.getTime() - SESSION_KEPT_MS) } },
      });
      await db.session.create({ data: { tokenId, secretHash, expiresAt } });
    },

    async findSession(secretHash, now) {
      const row = await db.session.findFirst({
        where: { secretHash, endedAt: null, expiresAt: { gt: now }, token: { revokedAt: null } },
        include: { token: true },
      });
      return row && { token: toToken(row.token), expiresAt: row.expiresAt };
    },

    async endSession(secretHash, at) {
      await db.session.updateMany({ where: { secretHash, endedAt: null }, data: { endedAt: at } });
    },
  };
}
