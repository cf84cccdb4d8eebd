// Promotion on fakes: a target changed between the check and its write is refused inside that
// write (nothing of it is kept) while the other targets are written; a write that fails for the
// service's own reason is reported, told, and kept from the others; a protected target is proposed.
import t from 'tap';
import type { ActorRef } from '../../src/access/authorization.ts';
import { DomainError, errors } from '../../src/errors.ts';
import type { Batch } from '../../src/flags/batch-commands.ts';
import { createFlagService } from '../../src/flags/flag-service.ts';
import type { BatchState } from '../../src/flags/flag-store.ts';
import { createPromotion, type PromotionProposal, type PromotionStore } from '../../src/flags/promotion.ts';
import { createMetrics } from '../../src/metrics.ts';
import { createFakeFlagStores } from '../fakes/fake-flag-stores.ts';

const ACTOR = 'tester';

async function setup(protectedEnvironments: string[] = []) {
  const fake = createFakeFlagStores(['production', 'staging', 'development']);
  const flags = createFlagService({ stores: fake.stores, metrics: createMetrics() });
  const store: PromotionStore = {
    readBatch: fake.stores.flags.readBatch,
    async flagAcrossEnvironments(key) {
      const environments = await fake.stores.environments.listEnvironments();
      return Promise.all(
        environments.map(async (environment) => ({
          environment: { ...environment, protected: protectedEnvironments.includes(environment.key) },
          flag: await fake.stores.flags.getFlag(environment.key, key).catch(() => null),
        })),
      );
    },
  };
  await flags.createSegment(
    'staging',
    'beta',
    { conditions: [{ attribute: 'plan', operator: 'equals', value: 'beta' }] },
    ACTOR,
  );
  await flags.createFlag(
    'staging',
    {
      key: 'checkout',
      type: 'string',
      variants: { blue: 'blue', green: 'green' },
      defaultVariant: 'blue',
      rules: [{ segments: ['beta'], variant: 'green' }],
    },
    ACTOR,
  );
  await flags.createFlag(
    'production',
    { key: 'checkout', type: 'string', variants: { blue: 'blue' }, defaultVariant: 'blue' },
    ACTOR,
  );
  return { fake, flags, store };
}

t.test(
  'a target changed between the check and its write keeps nothing; the others are written',
  async (t) => {
    const { flags, store } = await setup();
    const promotion = createPromotion({
      store,
      flags: {
        segmentUsers: flags.segmentUsers,
        prerequisitesHold: flags.prerequisitesHold,
        async writeBatch(
          environment: string,
          batch: Batch,
          actor: ActorRef,
          options: { check: (s: BatchState) => void },
        ) {
          // Someone changes production's flag just before the promotion's write reaches it.
          if (environment === 'production')
            await flags.updateFlag('production', 'checkout', { description: 'meanwhile' }, ACTOR);
          return flags.writeBatch(environment, batch, actor, options);
        },
      },
      propose: async () => t.fail('nothing is protected') as never,
    });
    const report = await promotion.promote(
      'checkout',
      { from: 'staging', to: ['development', 'production'], dryRun: false, includeState: false },
      ACTOR,
    );
    t.match(report.targets, [
      { environment: 'development', outcome: 'applied' },
      { environment: 'production', outcome: 'failed', error: { statusCode: 409, code: 'PROMOTION_STALE' } },
    ]);
    t.match(report.targets[1]!.error!.message, /flag 'checkout' \(version 1 then, version 2 now\)/);
    const production = await flags.getAdminFlag('production', 'checkout');
    t.match(production, { version: 2, description: 'meanwhile' });
    t.same(Object.keys(production.variants), ['blue'], 'nothing of the promotion in production');
    t.same(
      (await flags.listSegments('production')).map((s) => s.key),
      [],
      'nor its segment',
    );
    t.same((await flags.getAdminFlag('development', 'checkout')).rules, [
      { segments: ['beta'], variant: 'green' },
    ]);
  },
);

t.test("a write that fails for the service's own reason is reported and told, not thrown", async (t) => {
  const { flags, store } = await setup();
  const told: string[] = [];
  const promotion = createPromotion({
    store,
    flags: {
      segmentUsers: flags.segmentUsers,
      prerequisitesHold: flags.prerequisitesHold,
      async writeBatch(environment, batch, actor, options) {
        if (environment === 'development') throw new Error('connection reset');
        return flags.writeBatch(environment, batch, actor, options);
      },
    },
    propose: async () => t.fail('nothing is protected') as never,
    onFailure: (err, environment) => {
      told.push(`${environment}: ${(err as Error).message}`);
      return undefined;
    },
  });
  const report = await promotion.promote(
    'checkout',
    { from: 'staging', to: ['development', 'production'], dryRun: false, includeState: false },
    ACTOR,
  );
  t.match(report.targets, [
    { environment: 'development', outcome: 'failed', error: { statusCode: 500, code: 'PROMOTION_FAILED' } },
    { environment: 'production', outcome: 'applied' },
  ]);
  t.notMatch(report.targets[0]!.error!.message, /connection reset/, 'internals stay in the log');
  t.same(told, ['development: connection reset']);
  t.match(report.message, /development failed, nothing written there; production changed/);
});

t.test('a failure the service knows (the database busy) is reported as what it is', async (t) => {
  const { flags, store } = await setup();
  const promotion = createPromotion({
    store,
    flags: {
      segmentUsers: flags.segmentUsers,
      prerequisitesHold: flags.prerequisitesHold,
      writeBatch: async () => {
        throw new Error('lock timeout');
      },
    },
    propose: async () => 'never',
    onFailure: () => errors.busy(),
  });
  const report = await promotion.promote(
    'checkout',
    { from: 'staging', to: 'development', dryRun: false, includeState: false },
    ACTOR,
  );
  t.match(report.targets, [{ outcome: 'failed', error: { statusCode: 503, code: 'DATABASE_BUSY' } }]);
});

t.test('a protected target is proposed with its diff and the versions it was made against', async (t) => {
  const { fake, flags, store } = await setup(['production']);
  const proposals: [string, PromotionProposal][] = [];
  const promotion = createPromotion({
    store,
    flags,
    async propose(environment, proposal) {
      proposals.push([environment, proposal]);
      return 'request-1';
    },
  });
  const written = fake.audit.length;
  const report = await promotion.promote(
    'checkout',
    { from: 'staging', to: 'production', dryRun: false, includeState: true },
    ACTOR,
  );
  t.match(report.targets, [{ outcome: 'proposed', changeRequestId: 'request-1', protected: true }]);
  t.equal(fake.audit.length, written, 'nothing written in production');
  const [[environment, proposal]] = proposals as [[string, PromotionProposal]];
  t.equal(environment, 'production');
  t.same(proposal.base, { flags: { checkout: 1 }, segments: { beta: null } });
  t.match(proposal.before, { flag: { variants: { blue: 'blue' } }, segments: { beta: null } });
  t.match(proposal.after, {
    flag: { variants: { blue: 'blue', green: 'green' } },
    segments: { beta: { conditions: [{ value: 'beta' }] } },
  });
  t.match(proposal.change, { from: 'staging', includeState: true });
  t.same(proposal.change.batch.flags[0]!.keep, [], 'on/off copied as asked');
});

t.test('refusals are DomainErrors, thrown before anything is written', async (t) => {
  const { fake, flags, store } = await setup();
  const promotion = createPromotion({ store, flags, propose: async () => 'never' });
  const written = fake.audit.length;
  const refused = (to: string[]) =>
    promotion.promote('checkout', { from: 'staging', to, dryRun: false, includeState: false }, ACTOR);
  await t.rejects(refused(['development', 'nowhere']), new DomainError('ENVIRONMENT_NOT_FOUND', 404, ''));
  await t.rejects(refused(['staging']), { code: 'PROMOTION_TO_SOURCE' });
  await t.rejects(
    promotion.environments('checkout', () => false),
    { code: 'FLAG_NOT_FOUND' },
  );
  t.equal(fake.audit.length, written);
});
