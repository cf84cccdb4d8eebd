// An in-memory TokenStore that counts lookups, and a SessionStore beside it, for unit tests of the
// token and session services.
import { randomUUID } from 'node:crypto';
import { personPrincipal, tokenPrincipal } from '../../src/access/authorization.ts';
import { errors } from '../../src/errors.ts';
import type { PersonIdentity, SessionStore } from '../../src/sessions/session-store.ts';
import type { Token } from '../../src/tokens/token-schemas.ts';
import type { TokenChange, TokenStore } from '../../src/tokens/token-store.ts';

export function createFakeTokenStore() {
  const rows = new Map<string, { token: Token; secretHash: string }>();
  const sessions = new Map<
    string,
    { id: string; tokenId?: string; person?: PersonIdentity; expiresAt: Date; endedAt: Date | null }
  >();
  const changes: TokenChange[] = [];
  const logChange = (tokenId: string | null, sessionId: string | null = null) =>
    changes.push({ revision: changes.length + 1, tokenId, sessionId });
  const calls = { findByHash: 0, touch: 0, knownTokens: 0 };
  const store: TokenStore = {
    async create({ name, scope, environment, secretHash }) {
      const token: Token = {
        id: randomUUID(),
        name,
        scope,
        environment: environment ?? null,
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        revokedAt: null,
      };
      rows.set(token.id, { token, secretHash });
      logChange(token.id);
      return token;
    },
    async findByHash(secretHash) {
      calls.findByHash += 1;
      return [...rows.values()].find((r) => r.secretHash === secretHash)?.token ?? null;
    },
    async knownTokens() {
      calls.knownTokens += 1;
      return [...rows.values()].map((r) => ({
        id: r.token.id,
        secretHash: r.secretHash,
        live: !r.token.revokedAt,
      }));
    },
    async list() {
      return [...rows.values()].map((r) => r.token);
    },
    async revoke(id) {
      const row = rows.get(id);
      if (!row) return null;
      if (row.token.revokedAt) return row.token;
      const everywhere = ({ token }: { token: Token }) =>
        token.scope === 'admin' && token.environment === null && !token.revokedAt;
      if (everywhere(row) && ![...rows.values()].some((r) => r !== row && everywhere(r))) {
        throw errors.lastAdminToken(row.token.name);
      }
      row.token = { ...row.token, revokedAt: new Date().toISOString() };
      logChange(id);
      return row.token;
    },
    async setNamedAdminToken(name, secretHash, ifAbsent = false) {
      const live = [...rows.values()].find((r) => r.token.name === name && !r.token.revokedAt);
      if (live && (ifAbsent || live.secretHash === secretHash))
        return { outcome: 'unchanged', id: live.token.id } as const;
      const taken = [...rows.values()].find((r) => r.secretHash === secretHash);
      if (taken?.token.revokedAt) return { outcome: 'revoked', id: taken.token.id } as const;
      if (live) {
        live.secretHash = secretHash;
        logChange(live.token.id);
        return { outcome: 'rotated', id: live.token.id } as const;
      }
      const { id } = await store.create({ name, scope: 'admin', secretHash }, 'system');
      return { outcome: 'created', id } as const;
    },
    async hasNamedToken(name) {
      return [...rows.values()].some((r) => r.token.name === name && !r.token.revokedAt);
    },
    async touch(id, at) {
      calls.touch += 1;
      const row = rows.get(id);
      if (row) row.token = { ...row.token, lastUsedAt: at.toISOString() };
    },
    async lastTokenChange() {
      return changes.length;
    },
    async tokenChangesSince(revision) {
      return changes.slice(revision);
    },
  };
  // Sessions share the tokens and the change log, as they do in the database.
  const sessionStore: SessionStore = {
    async createSession(session) {
      const id = randomUUID();
      sessions.set(session.secretHash, { ...session, id, endedAt: null });
      return id;
    },
    async findSession(secretHash, now) {
      const session = sessions.get(secretHash);
      if (!session || session.endedAt || session.expiresAt <= now) return null;
      if (session.person)
        return { id: session.id, principal: personPrincipal(session.person), expiresAt: session.expiresAt };
      const token = session.tokenId ? rows.get(session.tokenId)?.token : undefined;
      if (!token || token.revokedAt) return null;
      return { id: session.id, principal: tokenPrincipal(token), expiresAt: session.expiresAt };
    },
    async endSession(secretHash, at) {
      const session = sessions.get(secretHash);
      if (!session || session.endedAt) return null;
      session.endedAt = at;
      logChange(session.tokenId ?? null, session.id);
      return { id: session.id, tokenId: session.tokenId ?? null };
    },
  };
  return { store, sessionStore, calls };
}
