// Tells every instance about a committed change over Redis pub/sub, so each can apply it to its
// snapshot within milliseconds. A message that is lost costs nothing but time: instances find the
// change in the change log (flags/snapshots.ts; tokens/token-service.ts for tokens and sessions).
// Without Redis, they find it only there.
import type { Redis } from 'ioredis';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { Metrics } from '../metrics.ts';
import type { Breaker } from './breaker.ts';

export const InvalidationSchema = Type.Union([
  Type.Object({
    type: Type.Literal('change'),
    environment: Type.String(),
    revision: Type.Integer(),
    kind: Type.Union([Type.Literal('flag'), Type.Literal('segment'), Type.Literal('environment')]),
    key: Type.String(),
  }),
  // What the previous release sends: a change without its content, still a reason to catch up.
  Type.Object({
    type: Type.Literal('flag'),
    environment: Type.String(),
    key: Type.String(),
    version: Type.Integer(),
    revision: Type.Integer(),
  }),
  // Something in the environment changed up to `revision` (a batch, or the previous release's
  // word for any change): a reason to catch up from the change log.
  Type.Object({ type: Type.Literal('environment'), environment: Type.String(), revision: Type.Integer() }),
  // Token `id` was minted, revoked or rotated; with `session`, only that session of it ended
  // (a release without sessions in its messages reads it as a change of the token: harmless).
  Type.Object({ type: Type.Literal('token'), id: Type.String(), session: Type.Optional(Type.String()) }),
]);
export type Invalidation = Static<typeof InvalidationSchema>;

export interface InvalidationBus {
  /** False when the message could not be sent; never throws: a failure is counted and reported through `onError`. */
  publish(message: Invalidation): Promise<boolean>;
}

export const localBus: InvalidationBus = { publish: async () => true };

export interface RedisBusDeps {
  publisher: Redis;
  subscriber: Redis;
  channel: string;
  breaker: Breaker;
  metrics: Pick<Metrics, 'invalidationsSent' | 'invalidationsReceived' | 'redisErrors'>;
  onMessage: (message: Invalidation) => void;
  onError: (err: unknown, operation: string) => void;
}

export function createRedisBus(deps: RedisBusDeps): InvalidationBus {
  const { publisher, subscriber, channel, breaker, metrics, onMessage, onError } = deps;
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    metrics.invalidationsReceived.inc();
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      message = undefined;
    }
    if (Value.Check(InvalidationSchema, message)) onMessage(message);
    else onError(new Error(`ignored a malformed invalidation message: ${raw.slice(0, 200)}`), 'receive');
  });
  // The subscriber queues this until Redis answers and subscribes again after every reconnect.
  subscriber.subscribe(channel).catch((err: unknown) => onError(err, 'subscribe'));

  return {
    async publish(message) {
      try {
        await breaker.run(() => publisher.publish(channel, JSON.stringify(message)));
        metrics.invalidationsSent.inc();
        return true;
      } catch (err) {
        metrics.redisErrors.inc({ operation: 'publish' });
        onError(err, 'publish');
        return false;
      }
    },
  };
}
