// What the benchmarks evaluate: a flag of ten rules, nine that miss the context below, each with
// a different operator, then a split that decides.

export const OFREP_CONTEXT = {
  targetingKey: 'user-1',
  country: 'NL',
  plan: 'free',
  appVersion: '2.3.4',
  age: 30,
};

/** Ten rules: nine that miss OFREP_CONTEXT, each with a different operator, then a split. */
export function tenRules() {
  const never = (attribute: string, operator: string, value?: unknown) => ({
    conditions: [{ attribute, operator, ...(value === undefined ? {} : { value }) }],
    variant: 'treatment',
  });
  return {
    key: 'ten-rules',
    type: 'string',
    enabled: true,
    variants: { treatment: 'green', control: 'blue' },
    defaultVariant: 'control',
    rules: [
      never('country', 'in', ['US', 'CA']),
      never('plan', 'equals', 'enterprise'),
      never('email', 'ends_with', '@example.com'),
      never('appVersion', 'semver_lt', '1.0.0'),
      never('age', 'gte', 65),
      never('beta', 'exists'),
      never('country', 'equals', 'DE'),
      never('plan', 'in', ['pro', 'team']),
      never('appVersion', 'semver_gte', '3.0.0'),
      {
        split: [
          { variant: 'treatment', weight: 5000 },
          { variant: 'control', weight: 5000 },
        ],
      },
    ],
  };
}
