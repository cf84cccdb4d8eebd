// Small HTTP helpers shared by the route modules.
import Type from 'typebox';
import { EnvironmentKey } from '../flags/flag-schemas.ts';
import { Strict } from '../schema.ts';

export const EnvironmentQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
});

export const quoted = (tag: string | number) => `"${tag}"`;

/** True when an If-None-Match header names `etag` (weak or strong) or is `*`. */
export function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

export const IfMatchHeader = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      pattern: '^(W/)?"?[0-9]{1,9}"?$',
      description: 'the version the change expects, e.g. "3"',
    }),
  ),
});

export const parseVersionTag = (tag: string | undefined) =>
  tag === undefined ? undefined : Number(tag.replace(/\D/g, ''));
