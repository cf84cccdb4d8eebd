// Splits edit weights as percentages with two decimals; the API stores basis points (100 = 1 %)
// that sum to 10000.
import type { Split } from '../types.ts';

export const TOTAL_WEIGHT = 10_000;

const PERCENT = /^(\d{1,3}(\.\d{0,2})?|\.\d{1,2})$/;

/** "33.33" → 3333; null for anything but a percentage from 0 to 100 with at most two decimals. */
export function percentToBasisPoints(text: string): number | null {
  const trimmed = text.trim();
  if (!PERCENT.test(trimmed)) return null;
  const weight = Math.round(Number(trimmed) * 100);
  return weight <= TOTAL_WEIGHT ? weight : null;
}

/** 3333 → "33.33", 5000 → "50". */
export const basisPointsToPercent = (weight: number) => String(weight / 100);

/** 9000 → "90 %". */
export const formatPercent = (weight: number) => `${basisPointsToPercent(weight)} %`;

export const splitTotal = (split: Split) => split.reduce((sum, entry) => sum + entry.weight, 0);

export const isValidSplit = (split: Split) =>
  split.length > 0 &&
  split.every(
    (entry) => Number.isInteger(entry.weight) && entry.weight >= 0 && entry.weight <= TOTAL_WEIGHT,
  ) &&
  splitTotal(split) === TOTAL_WEIGHT;

/** The variants sharing 100 % as evenly as basis points allow: 3 → 33.34, 33.33, 33.33. */
export function evenSplit(variants: readonly string[]): Split {
  const share = Math.floor(TOTAL_WEIGHT / Math.max(variants.length, 1));
  const remainder = TOTAL_WEIGHT - share * variants.length;
  return variants.map((variant, i) => ({ variant, weight: share + (i < remainder ? 1 : 0) }));
}

/** The editors take variant names, or a flag's variants record. */
export const variantNames = (variants: readonly string[] | Record<string, unknown>): string[] =>
  Array.isArray(variants) ? [...variants] : Object.keys(variants);
