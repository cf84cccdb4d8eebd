// Web UI sessions on PostgreSQL through Prisma. A sign-out is logged in the token change log,
// under its lock, so every instance finds it in order.
import { personPrincipal, type Role, tokenPrincipal } from '../access/authorization.ts';
import type { Db } from '../db/database.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { changeTokens, logTokenChange, toToken } from '../tokens/prisma-token-store.ts';
import type { SessionStore } from './session-store.ts';

/** Ended and expired sessions are deleted a day after they expire. */
const SESSION_KEPT_MS = 24 * 3600_000;

export function createPrismaSessionStore(db: Db): SessionStore {
  return {
    async createSession({ tokenId, person, secretHash, expiresAt }) {
      await db.session.deleteMany({
        where: { expiresAt: { lt: new Date(Date.now() - SESSION_KEPT_MS) } },
      });
      const owner = person
        ? {
            personSubject: person.subject,
            personName: person.name,
            personEmail: person.email,
            personRoles: person.roles as unknown as Prisma.InputJsonValue,
          }
        : { tokenId };
      return (await db.session.create({ data: { ...owner, secretHash, expiresAt }, select: { id: true } }))
        .id;
    },

    async findSession(secretHash, now) {
      const row = await db.session.findFirst({
        where: {
          secretHash,
          endedAt: null,
          expiresAt: { gt: now },
          OR: [{ tokenId: null }, { token: { revokedAt: null } }],
        },
        include: { token: true },
      });
      if (!row) return null;
      const principal = row.token
        ? tokenPrincipal(toToken(row.token))
        : personPrincipal({
            subject: row.personSubject!,
            name: row.personName!,
            email: row.personEmail,
            roles: row.personRoles as unknown as Role[],
          });
      return { id: row.id, principal, expiresAt: row.expiresAt };
    },

    endSession: (secretHash, at) =>
      changeTokens(db, async (tx) => {
        const session = await tx.session.findUnique({
          where: { secretHash },
          select: { id: true, tokenId: true },
        });
        if (!session) return null;
        // Of two sign-outs of one session, only the first ends it (and logs it).
        const { count } = await tx.session.updateMany({
          where: { id: session.id, endedAt: null },
          data: { endedAt: at },
        });
        if (count === 0) return null;
        await logTokenChange(tx, session.tokenId, session.id);
        return session;
      }),
  };
}
