// Schema building blocks shared by every slice. Request schemas are strict: an unknown field
// is an error, never silently dropped.
import type { FastifySchema } from 'fastify';
import Type, { type Static, type TProperties, type TSchema } from 'typebox';
import { KEY_PATTERN } from './config.ts';

export const Strict = <T extends TProperties>(properties: T, options: Record<string, unknown> = {}) =>
  Type.Object(properties, { ...options, additionalProperties: false });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Key = (what: string) =>
  Type.String({
    pattern: KEY_PATTERN,
    description: `${what}: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 128 characters`,
  });

export const Timestamp = Type.String({ format: 'date-time' });

/** Who did something: a person (the identity provider's subject and email) or a token (its name). */
export const ActorSchema = Type.Object({
  kind: Type.Enum(['person', 'token']),
  name: Type.String(),
  subject: Type.Optional(Nullable(Type.String())),
  email: Type.Optional(Nullable(Type.String())),
});
export type Actor = Static<typeof ActorSchema>;

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'stable machine-readable code, e.g. FLAG_NOT_FOUND' }),
    error: Type.String({ description: 'HTTP status text' }),
    message: Type.String({ description: 'what went wrong and what to do' }),
  },
  { $id: 'Error' },
);

/**
 * Response schemas for the given error statuses, all with the one error shape: a route's own.
 * What every route may answer is documented on each by plugins/swagger.ts.
 */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorSchema]));

/** For an onRoute hook: documents `responses` on the route, for the statuses it does not document itself. */
export function documentResponses(route: { schema?: FastifySchema }, responses: Record<number, TSchema>) {
  route.schema = {
    ...route.schema,
    response: { ...responses, ...(route.schema?.response as Record<number, unknown> | undefined) },
  };
}
