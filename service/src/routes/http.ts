// Small HTTP helpers shared by the route modules.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify';
import Type from 'typebox';
import { errors } from '../errors.ts';
import { EnvironmentKey } from '../flags/flag-schemas.ts';
import { Strict } from '../schema.ts';
import { reproduced } from './hot-routes.ts';

export const EnvironmentQuery = Strict({
  environment: Type.Optional(EnvironmentKey),
});

/** The environment a create names in its query or its body; naming two different ones is a 400. */
export function environmentNamed(query: string | undefined, body: string | undefined) {
  if (query !== undefined && body !== undefined && query !== body) throw errors.twoEnvironments(query, body);
  return query ?? body;
}

export const quoted = (tag: string | number) => `"${tag}"`;

/** True when an If-None-Match header names `etag` (weak or strong) or is `*`. */
export function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** Sets the response's ETag; true when the request's If-None-Match already names it (answer 304). */
export function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('etag', etag);
  return matchesETag(request.headers['if-none-match'], etag);
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

// A cached flag or list, or an evaluation answer, is the same object on every hit until a new
// version replaces it, so its JSON is built once and sent as is: serialization drops out of the
// hot path. Each object is always sent the same way, so one memo serves every kind.
const serialized = new WeakMap<object, { json: string; length: number }>();

/** The value's JSON (`serialize`, else the value as it is) and its length in bytes, built once per value. */
export function serializedOf<T extends object>(value: T, serialize: (value: T) => string = JSON.stringify) {
  let entry = serialized.get(value);
  if (entry === undefined) {
    const json = serialize(value);
    entry = { json, length: Buffer.byteLength(json) };
    serialized.set(value, entry);
  }
  return entry;
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/** Sends a cached value as its memoized JSON; the route's response schema still documents it. */
export const sendJson = (reply: FastifyReply, value: object) =>
  reply.type(JSON_TYPE).send(serializedOf(value).json);

const HELD_BODY = Symbol('body read before routing');

/** Hands a request whose body was already read on to the route: `replayBody` gives it back. */
export function holdBody(req: IncomingMessage, body: Buffer) {
  (req as IncomingMessage & { [HELD_BODY]?: Buffer })[HELD_BODY] = body;
}

/** A preParsing hook: the body a fast path read, as the stream the route's parser reads. */
export const replayBody = reproduced('held body', ((request, _reply, payload, done) => {
  const body = (request.raw as IncomingMessage & { [HELD_BODY]?: Buffer })[HELD_BODY];
  done(null, body ? Readable.from([body], { objectMode: false }) : payload);
}) as preParsingHookHandler);
