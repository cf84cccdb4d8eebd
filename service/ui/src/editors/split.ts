// Splits are edited as percentages with two decimals and saved as basis points (100 = 1 %, a total
// of 10000). The API takes whole-number weights of any total, so a split saved elsewhere (1 : 2,
// say) is shown in percentages of its own total and kept as it is until a percentage is edited.
import type { Split } from '../types.ts';

export const TOTAL_WEIGHT = 10_000;
/** The largest total the API takes (flagd's limit; MAX_TOTAL_WEIGHT in the server's rule schemas). */
export const MAX_TOTAL_WEIGHT = 2_147_483_647;

const PERCENT = /^(\d{1,3}(\.\d{0,2})?|\.\d{1,2})$/;

/** "33.33" → 3333; null for anything but a percentage from 0 to 100 with at most two decimals. */
export function percentToBasisPoints(text: string): number | null {
  const trimmed = text.trim();
  if (!PERCENT.test(trimmed)) return null;
  const weight = Math.round(Number(trimmed) * 100);
  return weight <= TOTAL_WEIGHT ? weight : null;
}

/** A weight as a percentage of a total, at most two decimals: (1, 3) → "33.33", (5000, 10000) → "50". */
export const percentOf = (weight: number, total = TOTAL_WEIGHT) =>
  String(total > 0 ? Math.round((weight / total) * 10_000) / 100 : 0);

/** 9000 → "90 %". */
export const formatPercent = (weight: number) => `${percentOf(weight)} %`;

export const splitTotal = (split: Split) => split.reduce((sum, entry) => sum + entry.weight, 0);

/** What the API takes: whole weights of 0 or more, at least one above 0, a total it can hold. */
export const isValidSplit = (split: Split) =>
  split.length > 0 &&
  split.every((entry) => Number.isInteger(entry.weight) && entry.weight >= 0) &&
  splitTotal(split) > 0 &&
  splitTotal(split) <= MAX_TOTAL_WEIGHT;

/** The variants sharing 100 % as evenly as basis points allow: 3 → 33.34, 33.33, 33.33. */
export function evenSplit(variants: readonly string[]): Split {
  const share = Math.floor(TOTAL_WEIGHT / Math.max(variants.length, 1));
  const remainder = TOTAL_WEIGHT - share * variants.length;
  return variants.map((variant, i) => ({ variant, weight: share + (i < remainder ? 1 : 0) }));
}

/** The editors take variant names, or a flag's variants record. */
export const variantNames = (variants: readonly string[] | Record<string, unknown>): string[] =>
  Array.isArray(variants) ? [...variants] : Object.keys(variants);
