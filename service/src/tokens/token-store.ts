// The port between the token service and its storage. Only hashes of secrets cross it.
import type { MintTokenInput, Token } from './token-schemas.ts';

export interface TokenStore {
  /** Stores a new token and audits it; throws ENVIRONMENT_NOT_FOUND for an unknown environment. */
  create(input: MintTokenInput & { secretHash: string }, actor: string): Promise<Token>;
  findByHash(secretHash: string): Promise<Token | null>;
  /** The hashes of every token, revoked ones too: small, and all an instance needs to refuse an unknown secret. */
  /** Every token's id and hash, and whether it is live (not revoked). */
  knownTokens(): Promise<{ id: string; secretHash: string; live: boolean }[]>;
  list(): Promise<Token[]>;
  /** Revokes and audits; returns the token with its hash, or null when the id is unknown. */
  revoke(id: string, actor: string): Promise<{ token: Token; secretHash: string } | null>;
  /**
   * Makes the live admin token named `name` have this hash, creating it when there is none; with
   * `ifAbsent`, a live one is left as it is.
   */
  setNamedAdminToken(
    name: string,
    secretHash: string,
    ifAbsent?: boolean,
  ): Promise<{ outcome: 'created' | 'rotated' | 'unchanged'; id: string }>;
  hasNamedToken(name: string): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  /** Stores a web UI session of token `tokenId`, and forgets sessions that ended long ago. */
  createSession(session: { tokenId: string; secretHash: string; expiresAt: Date }): Promise<void>;
  /** The session's token and end, while the session is open (not ended nor expired) and its token live. */
  findSession(secretHash: string, now: Date): Promise<{ token: Token; expiresAt: Date } | null>;
  endSession(secretHash: string, at: Date): Promise<void>;
}
