// A variant renamed in the editor carries through to everything of the flag that names it: the
// default and off variants, and every rule's variant and split.
import type { Rule } from '../types.ts';
import { nameError, type VariantRow } from './variants.ts';

export interface VariantRefs<R extends { rule: Rule }> {
  defaultVariant: string | null;
  offVariant: string | null;
  rules: R[];
}

function renamedRule(rule: Rule, from: string, to: string): Rule {
  const inSplit = rule.split?.some((entry) => entry.variant === from) ?? false;
  if (rule.variant !== from && !inSplit) return rule;
  const next = { ...rule };
  if (rule.variant === from) next.variant = to;
  if (inSplit && rule.split)
    next.split = rule.split.map((entry) => (entry.variant === from ? { ...entry, variant: to } : entry));
  return next;
}

/** `refs` with `from` renamed `to`; what does not name `from` stays the same object. */
export function renameVariant<R extends { rule: Rule }>(
  refs: VariantRefs<R>,
  from: string,
  to: string,
): VariantRefs<R> {
  const rules = refs.rules.some((row) => renamedRule(row.rule, from, to) !== row.rule)
    ? refs.rules.map((row) => {
        const rule = renamedRule(row.rule, from, to);
        return rule === row.rule ? row : { ...row, rule };
      })
    : refs.rules;
  return {
    defaultVariant: refs.defaultVariant === from ? to : refs.defaultVariant,
    offVariant: refs.offVariant === from ? to : refs.offVariant,
    rules,
  };
}

/**
 * The references after the rows changed from `before` to `rows`. `named` remembers, per row, the
 * name the references use: while a new name is half typed, or taken by another variant, the
 * references wait, and follow once it is a name of its own.
 */
export function carryRenames<R extends { rule: Rule }>(
  before: VariantRow[],
  rows: VariantRow[],
  refs: VariantRefs<R>,
  named: Map<number, string>,
): VariantRefs<R> {
  let result = refs;
  for (const row of rows) {
    const was = named.get(row.id) ?? before.find((old) => old.id === row.id)?.name ?? row.name;
    named.set(row.id, was);
    if (row.name === was || nameError(rows, row)) continue;
    named.set(row.id, row.name);
    result = renameVariant(result, was, row.name);
  }
  return result;
}
