// Web UI sessions: an API token or a person signed in through the identity provider, exchanged for
// a random secret held in an HttpOnly cookie. The CSRF token is derived from that secret, so it
// needs no storage of its own. Sign-out ends a session on every instance: here at once, elsewhere
// by message, and through the token change log for an instance that missed the message.
import { createHmac, randomBytes } from 'node:crypto';
import { type Principal, personPrincipal, tokenPrincipal } from '../access/authorization.ts';
import { type InvalidationBus, localBus } from '../cache/invalidation-bus.ts';
import { errors } from '../errors.ts';
import type { Token } from '../tokens/token-schemas.ts';
import { hashSecret } from '../tokens/token-service.ts';
import type { PersonIdentity, SessionStore } from './session-store.ts';

/** How long a web UI session lasts from sign-in. */
export const SESSION_HOURS = 12;

/** A signed-in web UI session: its id, its secret (the cookie), who it is, and when it ends. */
export interface Session {
  id: string;
  secret: string;
  principal: Principal;
  expiresAt: Date;
}

/**
 * The CSRF token of a session, derived from its secret: only a page that was told it (same
 * origin, from the session answer) can send it.
 */
export const csrfTokenOf = (sessionSecret: string) =>
  createHmac('sha256', sessionSecret).update('flagstone csrf').digest('base64url');

interface Deps {
  store: SessionStore;
  /** Verifies the API token a token sign-in presents. */
  authenticate: (secret: string) => Promise<Token>;
  bus?: InvalidationBus;
  /** Told when a session ended here (its event streams end). */
  onSessionEnded?: (id: string) => void;
  onStoreError?: (err: unknown) => void;
  now?: () => number;
}

export function createSessionService({
  store,
  authenticate,
  bus = localBus,
  onSessionEnded = () => {},
  onStoreError = () => {},
  now = Date.now,
}: Deps) {
  /** A store call whose failure is told and answered 503. */
  async function guarded<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (err) {
      onStoreError(err);
      throw errors.unavailable('so sessions cannot be checked');
    }
  }

  async function open(principal: Principal, owner: { tokenId: string } | { person: PersonIdentity }) {
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now() + SESSION_HOURS * 3600_000);
    const id = await guarded(store.createSession({ ...owner, secretHash: hashSecret(secret), expiresAt }));
    return { id, secret, principal, expiresAt } satisfies Session;
  }

  return {
    /** Exchanges an API token for a session of SESSION_HOURS. */
    async signIn(apiToken: string): Promise<Session> {
      const token = await authenticate(apiToken);
      return open(tokenPrincipal(token), { tokenId: token.id });
    },

    /** Opens a session for a person the identity provider vouched for, with the roles resolved now. */
    signInPerson(person: PersonIdentity): Promise<Session> {
      return open(personPrincipal(person), { person });
    },

    /** The open session behind a cookie secret; UNAUTHORIZED once it ended, expired or lost its token. */
    async session(secret: string): Promise<Session> {
      const found = await guarded(store.findSession(hashSecret(secret), new Date(now())));
      if (!found) throw errors.sessionEnded();
      return { secret, ...found };
    },

    /**
     * Ends a session: its cookie is refused from now on, on every instance, and its event
     * streams end, here at once and elsewhere as the change reaches them.
     */
    async signOut(secret: string): Promise<void> {
      const ended = await guarded(store.endSession(hashSecret(secret), new Date(now())));
      if (!ended) return;
      onSessionEnded(ended.id);
      // A person's session has no token: the message names the session in its place.
      await bus.publish({ type: 'token', id: ended.tokenId ?? ended.id, session: ended.id });
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
