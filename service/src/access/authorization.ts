// Who may do what where: the one rule every entry point asks (the admin and read routes, the fast
// path, the sync service). A caller is a principal: an API token (one scope, on one environment or
// all) or a person signed in through the identity provider (roles per environment, from groups).
import { errors } from '../errors.ts';
import type { Token, TokenScope } from '../tokens/token-schemas.ts';

/** A right: read, or admin (which includes read). */
export type Right = TokenScope;

/** A right a person holds on the listed environments, or on all (`environments: null`). */
export interface Role {
  right: Right;
  environments: string[] | null;
}

export interface TokenPrincipal {
  kind: 'token';
  id: string;
  name: string;
  scope: Right;
  /** The only environment the token may use; null: all. */
  environment: string | null;
}

export interface PersonPrincipal {
  kind: 'person';
  /** Stands for the person where a caller's id is needed (rate limits, event streams): `person:<subject>`. */
  id: string;
  /** The identity provider's `sub`: the person, whatever their name or email become. */
  subject: string;
  name: string;
  email: string | null;
  roles: Role[];
}

export type Principal = TokenPrincipal | PersonPrincipal;

export const tokenPrincipal = ({ id, name, scope, environment }: Token): TokenPrincipal => ({
  kind: 'token',
  id,
  name,
  scope,
  environment,
});

export const personPrincipal = (person: Omit<PersonPrincipal, 'kind' | 'id'>): PersonPrincipal => ({
  kind: 'person',
  id: `person:${person.subject}`,
  ...person,
});

const covers = (held: Right, needed: Right) => held === 'admin' || needed === 'read';

/**
 * The right a principal holds on `environment`: on one environment, the best that reaches it; on
 * `null` (every environment), the best held on all of them; undefined when it holds none.
 */
export function rightOn(principal: Principal, environment: string | null): Right | undefined {
  if (principal.kind === 'token') {
    return !principal.environment || principal.environment === environment ? principal.scope : undefined;
  }
  let best: Right | undefined;
  for (const { right, environments } of principal.roles) {
    const reaches = environments === null || (environment !== null && environments.includes(environment));
    if (reaches && (best === undefined || right === 'admin')) best = right;
  }
  return best;
}

/** The best right a principal holds anywhere. */
const bestRight = (principal: Principal): Right | undefined =>
  principal.kind === 'token'
    ? principal.scope
    : principal.roles.some(({ right }) => right === 'admin')
      ? 'admin'
      : principal.roles.length > 0
        ? 'read'
        : undefined;

const describe = (principal: Principal) =>
  principal.kind === 'token' ? `Token '${principal.name}'` : `${principal.name} (signed in)`;

/** The environment a request acts on: the one it asks for, else a token's own, else `fallback`. */
export const environmentFor = (principal: Principal, requested: string | undefined, fallback: string) =>
  requested ?? (principal.kind === 'token' ? principal.environment : null) ?? fallback;

/**
 * Why `principal` may not act with `right` on `environment` (FORBIDDEN), or undefined when it
 * may. `null` means the action spans every environment (tokens, environments, the global audit);
 * `undefined` asks only whether the principal holds the right somewhere (the environment is
 * checked once the request names it).
 */
export function refusal(principal: Principal, right: Right, environment?: string | null) {
  const best = bestRight(principal);
  if (best === undefined || !covers(best, right)) {
    return errors.forbidden(
      principal.kind === 'token'
        ? `Token '${principal.name}' has scope 'read'; this endpoint needs an admin token.`
        : `${describe(principal)} has no ${right} role on any environment; ask an admin to add one of your groups to OIDC_ROLES.`,
    );
  }
  if (environment === undefined) return undefined;
  const held = rightOn(principal, environment);
  if (held !== undefined && covers(held, right)) return undefined;
  if (principal.kind === 'token') {
    return errors.forbidden(
      environment === null
        ? `Token '${principal.name}' is limited to environment '${principal.environment}'; this endpoint needs a token for all environments.`
        : `Token '${principal.name}' may only use environment '${principal.environment}', not '${environment}'.`,
    );
  }
  return errors.forbidden(
    environment === null
      ? `${describe(principal)} needs the ${right} role on every environment for this endpoint.`
      : held === undefined
        ? `${describe(principal)} has no role on environment '${environment}'.`
        : `${describe(principal)} has only the read role on environment '${environment}'; this needs admin.`,
  );
}

/** Throws the refusal, if any. */
export function authorize(principal: Principal, right: Right, environment?: string | null): void {
  const refused = refusal(principal, right, environment);
  if (refused) throw refused;
}

/** Who did something, as the record names them. */
export interface Actor {
  kind: 'token' | 'person';
  name: string;
  subject?: string | null;
  email?: string | null;
}

/** An actor, or the name of a token (the service's own changes are made as `system`). */
export type ActorRef = Actor | string;

export const asActor = (actor: ActorRef): Actor =>
  typeof actor === 'string' ? { kind: 'token', name: actor } : actor;

export const actorOf = (principal: Principal): Actor =>
  principal.kind === 'token'
    ? { kind: 'token', name: principal.name }
    : { kind: 'person', name: principal.name, subject: principal.subject, email: principal.email };
