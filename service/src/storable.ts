// What PostgreSQL cannot store, or a client should not be allowed to make the service walk:
// strings holding NUL (text and jsonb refuse \u0000), strings that are not well-formed UTF-16
// (a lone surrogate has no UTF-8 form, so jsonb refuses it), and values nested deeper than
// MAX_DEPTH. JSON parsing accepts all three; this check runs on a body before it is validated.

/** The deepest nesting of objects and arrays a request body may hold. */
export const MAX_DEPTH = 32;

/**
 * The first problem with `value` as a sentence naming its place (`body.variants.x`), else
 * undefined; with `text: false`, only its depth is checked (for what is evaluated, not stored);
 * `maxDepth` is for bodies that are read, not stored, as they are (a flagd document's targeting).
 */
export function unstorable(
  value: unknown,
  where: string,
  { text = true, maxDepth = MAX_DEPTH } = {},
  depth = 0,
): string | undefined {
  if (typeof value === 'string') return text ? stringProblem(value, where) : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= maxDepth) {
    return `${where} is nested deeper than ${maxDepth} levels of objects and arrays. Flatten it.`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = unstorable(value[i], `${where}[${i}]`, { text, maxDepth }, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  for (const [name, item] of Object.entries(value)) {
    const problem =
      (text ? stringProblem(name, `a field name in ${where}`) : undefined) ??
      unstorable(item, `${where}.${name}`, { text, maxDepth }, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** True when `value` nests objects and arrays deeper than MAX_DEPTH: unstorable's depth rule, unnamed. */
export function tooDeep(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((item) => tooDeep(item, depth + 1));
  for (const name in value) if (tooDeep((value as Record<string, unknown>)[name], depth + 1)) return true;
  return false;
}

function stringProblem(text: string, where: string): string | undefined {
  if (text.includes('\u0000'))
    return `${where} contains a NUL character (\\u0000), which cannot be stored. Remove it.`;
  if (!text.isWellFormed()) {
    return `${where} contains a lone surrogate (half of a UTF-16 pair, e.g. \\ud800), which is not text. Send well-formed Unicode.`;
  }
  return undefined;
}
