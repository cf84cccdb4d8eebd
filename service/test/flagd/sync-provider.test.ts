// The real flagd provider for Node (@openfeature/flagd-provider, in-process resolver) synced from
// Flagstone's sync service, through the OpenFeature server SDK: for every context of the corpus
// it decides what Flagstone's OFREP API answers; a change reaches it live, from this instance and
// from another one. The provider cannot send metadata (it has no option for it), so it follows an
// environment listed in SYNC_OPEN_ENVIRONMENTS; tokens are tested in sync-access.test.ts.
import { FlagdProvider } from '@openfeature/flagd-provider';
import { type Client, type EvaluationContext, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import t, { type Test } from 'tap';
import { admin, buildListeningApp, createFlag, twoInstances, within } from '../helpers/app.ts';
import { CORPUS_FLAGS, corpusContexts, seedCorpus } from '../helpers/flagd-corpus.ts';
import { findRedis, NO_REDIS } from '../helpers/redis.ts';

const CODE_DEFAULTS = { boolean: false, string: 'code-default', number: -999, json: { code: 'default' } };
const OPEN = { SYNC_PORT: '0', SYNC_OPEN_ENVIRONMENTS: 'development' };

interface OfrepEntry {
  key: string;
  value?: unknown;
  variant?: string;
  reason?: string;
  errorCode?: string;
}

let domains = 0;

/** An OpenFeature client whose provider follows `selector` from the sync port, ready. */
async function inProcess(t: Test, port: number, selector: string): Promise<Client> {
  const domain = `sync-${++domains}`;
  const provider = new FlagdProvider({
    resolverType: 'in-process',
    host: '127.0.0.1',
    port,
    selector,
    // The first sync may wait on a busy host.
    deadlineMs: 10_000,
  });
  await OpenFeature.setProviderAndWait(domain, provider);
  t.teardown(() => OpenFeature.clearProviders());
  return OpenFeature.getClient(domain);
}

function details(client: Client, type: keyof typeof CODE_DEFAULTS, key: string, context: EvaluationContext) {
  switch (type) {
    case 'boolean':
      return client.getBooleanDetails(key, CODE_DEFAULTS.boolean, context);
    case 'string':
      return client.getStringDetails(key, CODE_DEFAULTS.string, context);
    case 'number':
      return client.getNumberDetails(key, CODE_DEFAULTS.number, context);
    default:
      return client.getObjectDetails(key, CODE_DEFAULTS.json, context);
  }
}

t.test('the provider decides every corpus context as Flagstone answers over OFREP', async (t) => {
  const { app, base } = await buildListeningApp(t, { env: OPEN });
  await seedCorpus(app, 'development');
  const client = await inProcess(t, app.sync.port!, 'flagSetId=development');
  const types = new Map(CORPUS_FLAGS.map((f) => [f.key, f.type ?? 'boolean']));
  let compared = 0;
  const mismatches: string[] = [];
  for (const context of corpusContexts(600) as EvaluationContext[]) {
    const res = await fetch(`${base}/ofrep/v1/evaluate/flags?environment=development`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ context }),
    });
    t.equal(res.status, 200);
    for (const ours of ((await res.json()) as { flags: OfrepEntry[] }).flags) {
      const type = types.get(ours.key)!;
      const theirs = await details(client, type, ours.key, context);
      compared++;
      const same =
        ours.errorCode === undefined &&
        ours.variant === theirs.variant &&
        JSON.stringify(ours.value ?? CODE_DEFAULTS[type]) === JSON.stringify(theirs.value);
      if (!same && mismatches.length < 10) {
        mismatches.push(
          `${ours.key} ${JSON.stringify(context)}: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`,
        );
      }
    }
  }
  t.same(mismatches, [], `${compared} in-process evaluations agree on value and variant`);
  t.equal(compared, 600 * CORPUS_FLAGS.length, 'every flag of every context');
});

t.test('a change reaches the provider live, and it says which flags changed', async (t) => {
  const { app } = await buildListeningApp(t, { env: OPEN });
  await createFlag(app, { key: 'live-switch' });
  // A flag the change leaves alone, which the provider must not call changed.
  await createFlag(app, { key: 'bystander' });
  const client = await inProcess(t, app.sync.port!, 'development');
  t.equal(await client.getBooleanValue('live-switch', true), false, 'off: its off variant');
  const changed = new Promise<string[]>((resolve) =>
    client.addHandler(ProviderEvents.ConfigurationChanged, (event) => resolve(event?.flagsChanged ?? [])),
  );
  const started = performance.now();
  const res = await app.inject({
    method: 'PATCH',
    url: '/api/admin/flags/live-switch',
    headers: admin,
    payload: { enabled: true },
  });
  t.equal(res.statusCode, 200);
  const ms = await within(20_000, async () => (await client.getBooleanValue('live-switch', false)) === true);
  t.comment(
    `the provider served the change ${(performance.now() - started).toFixed(1)} ms after the PATCH was sent (polled ${ms.toFixed(1)} ms)`,
  );
  t.same(await changed, ['live-switch'], 'PROVIDER_CONFIGURATION_CHANGED names the changed flag alone');
});

const redisUrl = await findRedis();
t.test(
  'a change made on instance A reaches a provider synced from instance B',
  { skip: !redisUrl && NO_REDIS },
  async (t) => {
    if (!redisUrl) return;
    const { a, b } = await twoInstances(t, redisUrl, OPEN);
    await createFlag(a, { key: 'cross-instance' });
    const client = await inProcess(t, b.sync.port!, 'flagSetId=development');
    t.equal(await client.getBooleanValue('cross-instance', true), false);
    const started = performance.now();
    const res = await a.inject({
      method: 'PATCH',
      url: '/api/admin/flags/cross-instance',
      headers: admin,
      payload: { enabled: true },
    });
    t.equal(res.statusCode, 200);
    await within(20_000, async () => (await client.getBooleanValue('cross-instance', false)) === true);
    t.comment(
      `a PATCH on A reached the provider synced from B in ${(performance.now() - started).toFixed(1)} ms (PATCH included)`,
    );
    t.pass('the provider on B serves the change made on A');
  },
);
