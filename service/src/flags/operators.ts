// The condition operators. Without dependencies, so the admin UI (service/ui) imports it too.
export const OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'starts_with',
  'ends_with',
  'contains',
  'lt',
  'lte',
  'gt',
  'gte',
  'semver_lt',
  'semver_lte',
  'semver_gt',
  'semver_gte',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];
