// The port between the token service and its storage. Only hashes of secrets cross it.
import type { ActorRef } from '../access/authorization.ts';
import type { MintTokenInput, Token } from './token-schemas.ts';

/**
 * An entry of the token change log: token `tokenId` was minted, revoked or rotated, or, with
 * `sessionId`, that session ended. Revisions grow in commit order.
 */
export interface TokenChange {
  revision: number;
  /** Null for a person's session, which has no token. */
  tokenId: string | null;
  sessionId: string | null;
}

export interface TokenStore {
  /** Stores a new token and audits it; throws ENVIRONMENT_NOT_FOUND for an unknown environment. */
  create(input: MintTokenInput & { secretHash: string }, actor: ActorRef): Promise<Token>;
  findByHash(secretHash: string): Promise<Token | null>;
  /** Every token's id and hash, and whether it is live (not revoked): all an instance needs to refuse an unknown secret. */
  knownTokens(): Promise<{ id: string; secretHash: string; live: boolean }[]>;
  list(): Promise<Token[]>;
  /**
   * Revokes and audits; returns the token, or null when the id is unknown. Throws
   * LAST_ADMIN_TOKEN rather than revoke the last live admin token for every environment.
   */
  revoke(id: string, actor: ActorRef): Promise<Token | null>;
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
  /** The revision of the latest entry of the token change log (0 while it is empty). */
  lastTokenChange(): Promise<number>;
  /** The entries of the token change log after `revision`, oldest first. */
  tokenChangesSince(revision: number): Promise<TokenChange[]>;
}
