// The port between the token service and its storage. Only hashes of secrets cross it.
import type { MintTokenInput, Token } from './token-schemas.ts';

/**
 * An entry of the token change log: token `tokenId` was minted, revoked or rotated, or, with
 * `sessionId`, that session of it ended. Revisions grow in commit order.
 */
export interface TokenChange {
  revision: number;
  tokenId: string;
  sessionId: string | null;
}

export interface TokenStore {
  /** Stores a new token and audits it; throws ENVIRONMENT_NOT_FOUND for an unknown environment. */
  create(input: MintTokenInput & { secretHash: string }, actor: string): Promise<Token>;
  findByHash(secretHash: string): Promise<Token | null>;
  /** Every token's id and hash, and whether it is live (not revoked): all an instance needs to refuse an unknown secret. */
  knownTokens(): Promise<{ id: string; secretHash: string; live: boolean }[]>;
  list(): Promise<Token[]>;
  /**
   * Revokes and audits; returns the token, or null when the id is unknown. Throws
   * LAST_ADMIN_TOKEN rather than revoke the last live admin token for every environment.
   */
  revoke(id: string, actor: string): Promise<Token | null>;
  /**
   * Makes the live admin token named `name` have this hash, creating it when there is none; with
   * `ifAbsent`, a live one is left as it is. A revoked token that had this hash stays revoked
   * ('revoked': nothing changes).
   */
  setNamedAdminToken(
    name: string,
    secretHash: string,
    ifAbsent?: boolean,
  ): Promise<{ outcome: 'created' | 'rotated' | 'unchanged' | 'revoked'; id: string }>;
  hasNamedToken(name: string): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
  /** Stores a web UI session of token `tokenId` and returns its id; forgets sessions that ended long ago. */
  createSession(session: { tokenId: string; secretHash: string; expiresAt: Date }): Promise<string>;
  /** The session's id, token and end, while it is open (not ended nor expired) and its token live. */
  findSession(secretHash: string, now: Date): Promise<{ id: string; token: Token; expiresAt: Date } | null>;
  /** Ends the session; its id and token's id when it was open until now, else null. */
  endSession(secretHash: string, at: Date): Promise<{ id: string; tokenId: string } | null>;
  /** The revision of the latest entry of the token change log (0 while it is empty). */
  lastTokenChange(): Promise<number>;
  /** The entries of the token change log after `revision`, oldest first. */
  tokenChangesSince(revision: number): Promise<TokenChange[]>;
}
