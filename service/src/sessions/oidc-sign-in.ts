// Sign-in with the identity provider (OpenID Connect, authorization code with PKCE, state and
// nonce), through openid-client. What the browser carries between leaving for the identity
// provider and coming back (state, nonce, PKCE verifier) is a short-lived cookie signed with the
// instances' shared key, so the return may land on any instance. A person's roles come from their
// groups and OIDC_ROLES at every sign-in: a group changed at the identity provider counts at the next.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { Role } from '../access/authorization.ts';
import { type Config, type GroupRole, groupRoles } from '../config.ts';
import type { PersonIdentity } from './session-store.ts';

/** How long a person may take at the identity provider before the sign-in must start again. */
export const SIGN_IN_MINUTES = 10;

/** Why a sign-in failed, as the sign-in page explains it. */
export type SignInFailure =
  | 'idp_unreachable'
  | 'idp_refused'
  | 'sign_in_expired'
  | 'sign_in_invalid'
  | 'no_role';

export class SignInError extends Error {
  override name = 'SignInError';
  readonly reason: SignInFailure;
  constructor(reason: SignInFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  /** When the sign-in began, ms since the epoch. */
  at: number;
}

/** The right each group gives, resolved into roles: the rights on every environment and on listed ones. */
export function rolesOf(groups: readonly string[], mapping: readonly GroupRole[]): Role[] {
  const held = new Set(groups);
  return mapping
    .filter(({ group }) => held.has(group))
    .map(({ right, environments }) => ({ right, environments }));
}

type SignInConfig = Pick<
  Config,
  'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'OIDC_SCOPES' | 'OIDC_GROUPS_CLAIM' | 'OIDC_ROLES'
>;

interface Deps {
  config: SignInConfig & { OIDC_ISSUER: string; OIDC_CLIENT_ID: string };
  /** The key shared by every instance: it signs the sign-in cookie. */
  key: string;
  now?: () => number;
  /** How long a call to the identity provider may take. */
  timeoutSeconds?: number;
}

const signerOf = (key: string) => {
  const signingKey = createHmac('sha256', key).update('flagstone sign-in state').digest();
  return (payload: string) => createHmac('sha256', signingKey).update(payload).digest('base64url');
};

/** The sign-in cookie's value: what a sign-in under way must find on its return, signed with `key`. */
export function sealPending(key: string, pending: Pending): string {
  const payload = Buffer.from(JSON.stringify(pending)).toString('base64url');
  return `${payload}.${signerOf(key)(payload)}`;
}

const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

export function createOidcSignIn({ config, key, now = Date.now, timeoutSeconds = 10 }: Deps) {
  const issuer = new URL(config.OIDC_ISSUER);
  const mapping = groupRoles(config);
  const sign = signerOf(key);

  /** The provider's metadata, read once it answers; until then every sign-in asks again. */
  let discovered: Promise<client.Configuration> | undefined;
  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(issuer, config.OIDC_CLIENT_ID, { client_secret: config.OIDC_CLIENT_SECRET }, undefined, {
        timeout: timeoutSeconds,
        // Plain HTTP only to a provider on this machine (development, tests); TLS everywhere else.
        ...(issuer.protocol === 'http:' && isLoopback(issuer)
          ? { execute: [client.allowInsecureRequests] }
          : {}),
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw new SignInError(
          'idp_unreachable',
          `The identity provider at ${issuer.origin} did not answer (${(err as Error).message}). Try again later, or sign in with an API token.`,
        );
      });
    return discovered;
  }

  function pendingOf(cookie: string | undefined): Pending {
    const expired = new SignInError(
      'sign_in_expired',
      'This sign-in was not started here or took too long. Start it again.',
    );
    const [payload, signature] = cookie?.split('.') ?? [];
    if (!payload || !signature) throw expired;
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw expired;
    const pending = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Pending;
    if (now() - pending.at > SIGN_IN_MINUTES * 60_000) throw expired;
    return pending;
  }

  function groupsOf(claims: Record<string, unknown> | undefined): string[] | undefined {
    const groups = claims?.[config.OIDC_GROUPS_CLAIM];
    if (Array.isArray(groups)) return groups.filter((group): group is string => typeof group === 'string');
    if (typeof groups === 'string') return [groups];
    return undefined;
  }

  return {
    /** How the sign-in page names the identity provider. */
    issuerName: issuer.host,

    /** Where to send the browser, and the cookie that must come back with it. */
    async start(redirectUri: string): Promise<{ url: string; cookie: string }> {
      const provider = await configuration();
      const pending: Pending = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        at: now(),
      };
      const url = client.buildAuthorizationUrl(provider, {
        redirect_uri: redirectUri,
        scope: config.OIDC_SCOPES,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.href, cookie: sealPending(key, pending) };
    },

    /**
     * The person the identity provider vouches for on its return to `currentUrl`, with their roles;
     * a SignInError when anything does not check out (state, nonce, PKCE, the code, the ID token)
     * or no group of theirs maps to a role.
     */
    async finish(currentUrl: URL, cookie: string | undefined): Promise<PersonIdentity> {
      const pending = pendingOf(cookie);
      const provider = await configuration();
      const refused = currentUrl.searchParams.get('error');
      if (refused) {
        const description = currentUrl.searchParams.get('error_description');
        throw new SignInError(
          'idp_refused',
          `The identity provider refused the sign-in: ${refused}${description ? ` (${description})` : ''}.`,
        );
      }
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(provider, currentUrl, {
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          pkceCodeVerifier: pending.verifier,
          idTokenExpected: true,
        });
      } catch (err) {
        throw new SignInError(
          'sign_in_invalid',
          `The sign-in could not be verified: ${(err as Error).message}`,
        );
      }
      const claims = tokens.claims()!;
      let groups = groupsOf(claims);
      let profile: Record<string, unknown> = claims;
      // Many providers put groups (and a name) only in userinfo, or only when asked there.
      if (groups === undefined || claims.name === undefined) {
        try {
          profile = { ...(await client.fetchUserInfo(provider, tokens.access_token, claims.sub)), ...claims };
          groups ??= groupsOf(profile);
        } catch (err) {
          if (groups === undefined) {
            throw new SignInError(
              'sign_in_invalid',
              `Your groups could not be read from the identity provider: ${(err as Error).message}`,
            );
          }
        }
      }
      const roles = rolesOf(groups ?? [], mapping);
      const email = typeof profile.email === 'string' ? profile.email : null;
      const name =
        (typeof profile.name === 'string' && profile.name) ||
        (typeof profile.preferred_username === 'string' && profile.preferred_username) ||
        email ||
        claims.sub;
      if (roles.length === 0) {
        throw new SignInError(
          'no_role',
          `${name} is signed in at the identity provider, but none of their groups (${(groups ?? []).join(', ') || 'none'}) has a role in Flagstone. Ask an admin to add one to OIDC_ROLES.`,
        );
      }
      return { subject: claims.sub, name, email, roles };
    },
  };
}

export type OidcSignIn = ReturnType<typeof createOidcSignIn>;
