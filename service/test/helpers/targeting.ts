// Flags and a segment that exercise every evaluation reason, for the OFREP tests.
import type { buildTestApp } from './app.ts';
import { admin, createFlag } from './app.ts';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

export async function createTargetingFixtures(app: App, environment = 'development') {
  const post = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: admin, payload: { environment, ...payload } });
  await post('/api/admin/segments', {
    key: 'beta',
    description: 'customers on a beta plan',
    conditions: [{ attribute: 'plan', operator: 'in', value: ['beta', 'enterprise'] }],
  });
  await createFlag(app, {
    environment,
    key: 'checkout-button',
    type: 'string',
    enabled: true,
    variants: { control: 'blue', treatment: 'green' },
    defaultVariant: 'control',
    rules: [
      {
        description: '30 % see the new button',
        split: [
          { variant: 'control', weight: 7000 },
          { variant: 'treatment', weight: 3000 },
        ],
      },
    ],
  });
  await createFlag(app, {
    environment,
    key: 'beta-banner',
    type: 'boolean',
    enabled: true,
    variants: { on: true, off: false },
    defaultVariant: 'off',
    rules: [{ segments: ['beta'], variant: 'on' }],
  });
  await createFlag(app, { environment, key: 'max-items', type: 'number', enabled: true, defaultValue: 10 });
  await createFlag(app, {
    environment,
    key: 'theme',
    type: 'json',
    enabled: true,
    variants: { dark: { background: '#000' }, light: { background: '#fff' } },
    defaultVariant: 'light',
    rules: [
      { conditions: [{ attribute: 'appVersion', operator: 'semver_gte', value: '2.0.0' }], variant: 'dark' },
    ],
  });
  await createFlag(app, { environment, key: 'paused', type: 'boolean', enabled: false, defaultValue: false });
}
