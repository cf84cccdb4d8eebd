// A flag's variants as editable rows: the value as typed, parsed by the flag's type on save.
import { type FlagType, VARIANT_NAME } from '../types.ts';

export interface VariantRow {
  id: number;
  name: string;
  text: string;
}

let nextId = 1;
export const newRowId = () => nextId++;

export function valueToText(type: FlagType, value: unknown): string {
  if (type === 'json') return JSON.stringify(value, null, 2);
  return value === undefined || value === null ? '' : String(value);
}

export function parseVariantValue(type: FlagType, text: string): { value?: unknown; error?: string } {
  switch (type) {
    case 'boolean':
      return text === 'true' || text === 'false'
        ? { value: text === 'true' }
        : { error: 'Choose true or false' };
    case 'number': {
      const number = Number(text.trim());
      return text.trim() !== '' && Number.isFinite(number) ? { value: number } : { error: 'Enter a number' };
    }
    case 'string':
      return { value: text };
    case 'json': {
      try {
        const value: unknown = JSON.parse(text);
        return value !== null && typeof value === 'object'
          ? { value }
          : { error: 'A json flag serves an object or an array' };
      } catch (err) {
        return { error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
  }
}

export function rowsFromVariants(type: FlagType, variants: Record<string, unknown>): VariantRow[] {
  return Object.entries(variants).map(([name, value]) => ({
    id: newRowId(),
    name,
    text: valueToText(type, value),
  }));
}

export function nameError(rows: VariantRow[], row: VariantRow): string | undefined {
  if (!VARIANT_NAME.test(row.name)) return 'Use 1–64 letters, digits, ".", "_" or "-"';
  if (rows.some((other) => other !== row && other.name === row.name)) return 'Another variant has this name';
  return undefined;
}

/** The variants record, or the first problem found. */
export function variantsFromRows(
  type: FlagType,
  rows: VariantRow[],
): { variants: Record<string, unknown> } | { error: string } {
  const variants: Record<string, unknown> = {};
  for (const row of rows) {
    const badName = nameError(rows, row);
    if (badName) return { error: `Variant “${row.name}”: ${badName}` };
    const parsed = parseVariantValue(type, row.text);
    if (parsed.error) return { error: `Variant “${row.name}”: ${parsed.error}` };
    variants[row.name] = parsed.value;
  }
  return { variants };
}
