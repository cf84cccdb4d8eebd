// Bulk answers are kept per context, told apart by the whole context rather than by the short
// digest in their ETag: two contexts whose digests collide still get each their own answer.
import t from 'tap';
import { bearer, buildTestApp, createFlag, mintToken } from '../helpers/app.ts';

// Found by search: murmur3 of their stable serializations is the same (ETag digest 1u4qcyk).
const CHOSEN = { targetingKey: 'u68269' };
const COLLIDING = { targetingKey: 'u109037' };

const { app } = await buildTestApp(t);
await createFlag(app, {
  environment: 'development',
  key: 'chosen',
  type: 'boolean',
  enabled: true,
  variants: { on: true, off: false },
  defaultVariant: 'off',
  rules: [
    { conditions: [{ attribute: 'targetingKey', operator: 'equals', value: 'u68269' }], variant: 'on' },
  ],
});
const { token } = await mintToken(app, { name: 'sdk', scope: 'read', environment: 'development' });

const bulk = async (context: object) => {
  const res = await app.inject({
    method: 'POST',
    url: '/ofrep/v1/evaluate/flags',
    headers: bearer(token),
    payload: { context },
  });
  t.equal(res.statusCode, 200);
  return { etag: res.headers.etag, flags: res.json().flags as { key: string; variant?: string }[] };
};

t.test('two contexts with one ETag digest get each their own answer', async (t) => {
  const chosen = await bulk(CHOSEN);
  const colliding = await bulk(COLLIDING);
  t.equal(colliding.etag, chosen.etag, 'the digests do collide');
  t.match(chosen.flags, [{ key: 'chosen', variant: 'on' }]);
  t.match(colliding.flags, [{ key: 'chosen', variant: 'off' }], 'not the answer built for the other context');
});
