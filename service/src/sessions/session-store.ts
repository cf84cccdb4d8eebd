// The port between web UI sessions and their storage. Only hashes of session secrets cross it.
import type { Principal, Role } from '../access/authorization.ts';

/** A person as the identity provider vouched for them at sign-in, with the roles then resolved. */
export interface PersonIdentity {
  subject: string;
  name: string;
  email: string | null;
  roles: Role[];
}

export interface SessionStore {
  /**
   * Stores a session of an API token (`tokenId`) or of a person, and returns its id; forgets
   * sessions that ended long ago.
   */
  createSession(
    session: { secretHash: string; expiresAt: Date } & (
      | { tokenId: string; person?: undefined }
      | { tokenId?: undefined; person: PersonIdentity }
    ),
  ): Promise<string>;
  /** The session's id, principal and end, while it is open (not ended nor expired) and its token, if any, live. */
  findSession(
    secretHash: string,
    now: Date,
  ): Promise<{ id: string; principal: Principal; expiresAt: Date } | null>;
  /** Ends the session and logs it; its id and token's id (null for a person's) when it was open until now, else null. */
  endSession(secretHash: string, at: Date): Promise<{ id: string; tokenId: string | null } | null>;
}
