// API tokens as clients see them. The secret appears once, in the answer to a mint.
import Type, { type Static } from 'typebox';
import { EnvironmentKey } from '../flags/flag-schemas.ts';
import { Nullable, Strict, Timestamp } from '../schema.ts';

export const TOKEN_SCOPES = ['read', 'admin'] as const;
export const TokenScope = Type.Enum(TOKEN_SCOPES, {
  description: 'read: read and evaluation APIs; admin: everything',
});
export type TokenScope = Static<typeof TokenScope>;

export const TokenSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  scope: TokenScope,
  environment: Nullable(Type.String({ description: 'the only environment the token may use; null: all' })),
  createdAt: Timestamp,
  lastUsedAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
});
export type Token = Static<typeof TokenSchema>;

export const MintedTokenSchema = Type.Object({
  ...TokenSchema.properties,
  token: Type.String({ description: 'the secret: shown only in this response, stored only as a hash' }),
});
export type MintedToken = Static<typeof MintedTokenSchema>;

export const MintTokenBody = Strict({
  name: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[\\x20-\\x7e]+$',
    description: 'who uses the token',
  }),
  scope: TokenScope,
  environment: Type.Optional(EnvironmentKey),
});
export type MintTokenInput = Static<typeof MintTokenBody>;

export const TokenListSchema = Type.Object({ tokens: Type.Array(TokenSchema) });
