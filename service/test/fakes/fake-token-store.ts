// An in-memory TokenStore that counts lookups, for unit tests of the token service.
import { randomUUID } from 'node:crypto';
import type { Token } from '../../src/tokens/token-schemas.ts';
import type { TokenStore } from '../../src/tokens/token-store.ts';

export function createFakeTokenStore() {
  const rows = new Map<string, { token: Token; secretHash: string }>();
  const sessions = new Map<string, { tokenId: string; expiresAt: Date; endedAt: Date | null }>();
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
      row.token = { ...row.token, revokedAt: row.token.revokedAt ?? new Date().toISOString() };
      return row;
    },
    async setNamedAdminToken(name, secretHash, ifAbsent = false) {
      const live = [...rows.values()].find((r) => r.token.name === name && !r.token.revokedAt);
      if (live && (ifAbsent || live.secretHash === secretHash))
        return { outcome: 'unchanged', id: live.token.id } as const;
      if (live) {
        live.secretHash = secretHash;
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
    async createSession(session) {
      sessions.set(session.secretHash, { ...session, endedAt: null });
    },
    async findSession(secretHash, now) {
      const session = sessions.get(secretHash);
      const token = session && rows.get(session.tokenId)?.token;
      if (!session || !token || session.endedAt || session.expiresAt <= now || token.revokedAt) return null;
      return { token, expiresAt: session.expiresAt };
    },
    async endSession(secretHash, at) {
      const session = sessions.get(secretHash);
      if (session) session.endedAt ??= at;
    },
  };
  return { store, calls };
}
