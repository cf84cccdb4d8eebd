// API tokens: minting, revocation, and the check every request goes through. Secrets are
// random 256-bit strings, so a plain sha-256 is the right hash: nothing to brute-force.
// Verified tokens are cached in process, so a request costs no database round trip; and the
// instance holds the hashes of every token, so an unknown secret is refused without one.
// Every mint, revocation and rotation (and every sign-out, sessions/session-service.ts) is
// published (the fast path) and logged in the token change log, which each instance reads once
// per catch-up interval: a change whose message was lost (Redis down) reaches every instance
// within that interval all the same.
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ActorRef } from '../access/authorization.ts';
import { type Invalidation, type InvalidationBus, localBus } from '../cache/invalidation-bus.ts';
import { errors } from '../errors.ts';
import type { MintedToken, MintTokenInput, Token } from './token-schemas.ts';
import type { TokenChange, TokenStore } from './token-store.ts';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap';
const TOUCH_INTERVAL_MS = 60_000;
/** The set of token hashes is read again for an unknown secret at most this often. */
const KNOWN_REFRESH_FLOOR_MS = 1000;
const UNKNOWN_LOOKUPS_PER_SECOND = 5;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const newSecret = () => `fs_${randomBytes(32).toString('base64url')}`;

/** A verification: the token (null: unknown secret) and when its lastUsedAt was last written. */
interface Verified {
  token: Token | null;
  touchedAt: number;
}

interface Deps {
  store: TokenStore;
  bus?: InvalidationBus;
  /** How long a verified (or unknown) token is trusted without asking the store again. */
  cacheTtlMs?: number;
  /** Told about store failures: a lastUsedAt write, or a lookup answered from an expired entry. */
  onStoreError?: (err: unknown) => void;
  /** Told when token `id` may have stopped being live (revoked here, or a change announced elsewhere, once re-read). */
  onTokenChanged?: (id: string) => void;
  /** Told when a web UI session ended elsewhere (found by message or in the change log). */
  onSessionEnded?: (id: string) => void;
  /** The clock every duration here is measured with. */
  now?: () => number;
}

/** A message about a token or one of its sessions, from another instance. */
export type TokenMessage = Extract<Invalidation, { type: 'token' }>;

export function createTokenService({
  store,
  bus = localBus,
  cacheTtlMs = 30_000,
  onStoreError = () => {},
  onTokenChanged = () => {},
  onSessionEnded = () => {},
  now = Date.now,
}: Deps) {
  // Keyed by the presented secret, so a hit costs no hashing; only a miss hashes and asks the
  // store. Expired entries stay until evicted: while the database is down they still vouch.
  const verified = new LRUCache<string, Verified>({
    max: 10_000,
    ttl: cacheTtlMs,
    noDeleteOnStaleGet: true,
    // The cache's own clock is ours; no debounce, so a clock moved by a test is read at once.
    perf: { now },
    ttlResolution: 0,
  });

  // lastUsedAt is informational: written at most once a minute per token, off the request path.
  function live(entry: Verified): Token {
    const { token } = entry;
    if (!token) throw errors.unauthorized('Unknown API token. Check it, or ask an admin to mint one.');
    if (token.revokedAt)
      throw errors.unauthorized(`API token '${token.name}' was revoked. Ask an admin for a new one.`);
    const at = now();
    if (at - entry.touchedAt >= TOUCH_INTERVAL_MS) {
      entry.touchedAt = at;
      store.touch(token.id, new Date(at)).catch(onStoreError);
    }
    return token;
  }

  /** Hashes of every token (a revoked one is told so), as of `knownAt`; undefined until first read. */
  let known: Set<string> | undefined;
  /** Ids of the tokens not revoked, as of `knownAt`: what an event-stream ticket is checked against. */
  let liveIds = new Set<string>();
  let knownAt = 0;
  /** How many times the set has been read. */
  let knownReads = 0;
  let refreshing: Promise<void> | undefined;

  function refreshKnown(): Promise<void> {
    refreshing ??= store
      .knownTokens()
      .then((tokens) => {
        known = new Set(tokens.map((token) => token.secretHash));
        liveIds = new Set(tokens.filter((token) => token.live).map((token) => token.id));
        knownAt = now();
        knownReads += 1;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  /** Direct lookups of unknown secrets between reads of the set: a few a second, for tokens just minted elsewhere. */
  let lookupsLeft = UNKNOWN_LOOKUPS_PER_SECOND;
  let lookupsSince = 0;
  function mayLookUp(at: number): boolean {
    if (at - lookupsSince >= 1000) {
      lookupsSince = at;
      lookupsLeft = UNKNOWN_LOOKUPS_PER_SECOND;
    }
    if (lookupsLeft === 0) return false;
    lookupsLeft--;
    return true;
  }

  /**
   * Whether `hash` may be a token, to be looked up. An unknown one makes the set be read again,
   * at most once a second however many unknown secrets arrive; in between, a few a second are
   * looked up one by one (a token minted on another instance a moment ago), and the rest are
   * refused without a query.
   */
  async function mayBeKnown(hash: string): Promise<boolean> {
    if (!known || known.has(hash)) return true;
    // A read under way may have begun before the token was minted: it can vouch, not refuse.
    if (refreshing) await refreshing.catch(() => {});
    if (known.has(hash)) return true;
    const at = now();
    if (at - knownAt >= KNOWN_REFRESH_FLOOR_MS) {
      const refreshed = await refreshKnown().then(
        () => true,
        (err: unknown) => {
          onStoreError(err);
          return false;
        },
      );
      if (known.has(hash)) return true;
      if (refreshed) return false;
    }
    return mayLookUp(at);
  }

  /** Lookups under way, by secret: requests presenting the same one together share it. */
  const inflight = new Map<string, Promise<Verified>>();
  function lookup(secret: string): Promise<Verified> {
    let pending = inflight.get(secret);
    if (!pending) {
      pending = verify(secret).finally(() => inflight.delete(secret));
      inflight.set(secret, pending);
    }
    return pending;
  }

  async function verify(secret: string): Promise<Verified> {
    const hash = hashSecret(secret);
    if (!(await mayBeKnown(hash))) return { token: null, touchedAt: 0 };
    try {
      const asOf = knownReads;
      const token = await store.findByHash(hash);
      // A refreshed entry keeps the time of the last lastUsedAt write.
      const touchedAt = verified.get(secret, { allowStale: true })?.touchedAt ?? 0;
      const entry = { token, touchedAt };
      // The set of tokens read meanwhile may be newer than this answer: where it no longer
      // shows the token live under this secret (revoked, rotated), the answer serves this
      // request and is not remembered.
      if (token && !token.revokedAt) {
        if (asOf !== knownReads && !(liveIds.has(token.id) && known?.has(hash))) return entry;
        liveIds.add(token.id);
      }
      if (token) known?.add(hash);
      verified.set(secret, entry);
      return entry;
    } catch (err) {
      onStoreError(err);
      const stale = verified.get(secret, { allowStale: true });
      if (!stale) throw errors.unavailable();
      return stale;
    }
  }

  /**
   * Stops trusting cached verifications of the tokens `ids`, but for those `holds` still vouches
   * for (by token id and secret).
   */
  function forget(ids: Set<string>, holds: (id: string, secret: string) => boolean = () => false): void {
    // dump() includes expired entries, which could still vouch while the database is down.
    for (const [secret, { value }] of verified.dump()) {
      const id = value.token?.id;
      if (id !== undefined && ids.has(id) && !holds(id, secret)) verified.delete(secret);
    }
  }

  /** Stops trusting cached verifications of token `id`: here, then on every other instance. */
  async function forgetEverywhere(id: string) {
    forget(new Set([id]));
    onTokenChanged(id);
    await bus.publish({ type: 'token', id });
  }

  /**
   * Changes made here or elsewhere: an ended session's streams end; the tokens changed (minted,
   * revoked or rotated) are read again, and a cached verification of one is trusted only while
   * the token is live under the same secret (a mint changes neither). Without the reading,
   * nothing cached of them is trusted.
   */
  async function apply(changes: Pick<TokenChange, 'tokenId' | 'sessionId'>[]): Promise<void> {
    const tokenIds = new Set<string>();
    for (const { tokenId, sessionId } of changes) {
      if (sessionId) onSessionEnded(sessionId);
      else if (tokenId) tokenIds.add(tokenId);
    }
    if (tokenIds.size === 0) return;
    try {
      await refreshKnown();
    } catch (err) {
      forget(tokenIds);
      throw err;
    }
    forget(tokenIds, (id, secret) => liveIds.has(id) && known!.has(hashSecret(secret)));
    for (const id of tokenIds) onTokenChanged(id);
  }

  /** How far this instance has read the token change log; undefined until its first read. */
  let applied: number | undefined;
  let catchingUp: Promise<void> | undefined;

  /**
   * Applies what the token change log holds past what was read last. The first call only notes
   * where the log ends: an instance starting reads every token anyway.
   */
  function catchUp(): Promise<void> {
    catchingUp ??= (async () => {
      if (applied === undefined) {
        applied = await store.lastTokenChange();
        return;
      }
      const changes = await store.tokenChangesSince(applied);
      if (changes.length === 0) return;
      await apply(changes);
      applied = changes.at(-1)!.revision;
    })().finally(() => {
      catchingUp = undefined;
    });
    return catchingUp;
  }

  /**
   * The token a request presented, if it is known and live; UNAUTHORIZED otherwise. A token
   * verified in the last `cacheTtlMs` is answered without asking the store.
   */
  async function authenticate(secret: string | undefined): Promise<Token> {
    if (!secret) {
      throw errors.unauthorized(
        'Missing API token. Send it as "Authorization: Bearer <token>" or "X-API-Key: <token>".',
      );
    }
    const cached = verified.get(secret);
    return live(cached ?? (await lookup(secret)));
  }

  async function setBootstrap(secret: string, ifAbsent = false) {
    const secretHash = hashSecret(secret);
    const { outcome, id } = await store.setNamedAdminToken(BOOTSTRAP_TOKEN_NAME, secretHash, ifAbsent);
    // With ifAbsent, unchanged: another instance created it first, and this secret is nobody's.
    if (outcome === 'revoked' || (ifAbsent && outcome === 'unchanged')) return outcome;
    known?.add(secretHash);
    liveIds.add(id);
    // Instances may still trust the old secret from their caches.
    if (outcome === 'rotated') await forgetEverywhere(id);
    return outcome;
  }

  return {
    async mint(input: MintTokenInput, actor: ActorRef): Promise<MintedToken> {
      const secret = newSecret();
      const secretHash = hashSecret(secret);
      const token = await store.create({ ...input, secretHash }, actor);
      known?.add(secretHash);
      liveIds.add(token.id);
      await bus.publish({ type: 'token', id: token.id });
      return { ...token, token: secret };
    },

    list: () => store.list(),

    async revoke(id: string, actor: ActorRef): Promise<void> {
      const revoked = await store.revoke(id, actor);
      if (!revoked) throw errors.tokenNotFound(id);
      liveIds.delete(id);
      await forgetEverywhere(id);
    },

    /** Another instance minted, revoked or rotated a token, or ended a session: the fast path. */
    receive(message: TokenMessage): void {
      apply([{ tokenId: message.id, sessionId: message.session ?? null }]).catch(onStoreError);
    },

    /** Reads the token change log for what no message brought; once per catch-up interval. */
    catchUp,

    /**
     * Whether token `id` was live when the tokens were last read (or was minted here since):
     * what an event-stream ticket needs, without a query.
     */
    isLive: (id: string) => liveIds.has(id),

    /** Reads the hashes of every token; at start, and now and then. */
    refreshKnown,

    authenticate,

    /**
     * The live token behind `secret` when this instance verified it in the last `cacheTtlMs`;
     * undefined otherwise. Never asks the store and never throws.
     */
    recentlyVerified(secret: string): Token | undefined {
      const cached = verified.get(secret);
      return cached?.token && !cached.token.revokedAt ? live(cached) : undefined;
    },

    /**
     * Makes sure an admin can get in: ADMIN_TOKEN, when given, becomes the secret of the token
     * named `bootstrap` (so changing it rotates it), unless that secret was revoked: a revoked
     * secret is never revived ('revoked'). Without it, a bootstrap token is created once, by one
     * of the instances starting on a database that has none, and its secret returned for the
     * caller to show.
     */
    async bootstrap(adminToken: string | undefined): Promise<{ secret?: string; outcome: string }> {
      if (adminToken) return { outcome: await setBootstrap(adminToken) };
      if (await store.hasNamedToken(BOOTSTRAP_TOKEN_NAME)) return { outcome: 'unchanged' };
      const secret = newSecret();
      const outcome = await setBootstrap(secret, true);
      return outcome === 'created' ? { secret, outcome } : { outcome };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
