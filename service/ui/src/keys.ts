// Keys of flags, segments and environments: what is wrong with one, in words, and a key made
// from a name typed where the key goes. The service checks the same pattern.

const KEY = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const ALLOWED = /[a-z0-9._-]/;
const ALLOWED_WORDS = 'lowercase letters, digits, “.”, “_” and “-”';

/** Why `key` cannot be a key, in words; undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (KEY.test(key)) return undefined;
  if (key === '') return 'Enter a key.';
  if (key.length > 128) return `A key is at most 128 characters long; this one has ${key.length}.`;
  if (/[A-Z]/.test(key)) return `Use lowercase letters: a key has only ${ALLOWED_WORDS}.`;
  if (/\s/.test(key)) return `No spaces: a key has only ${ALLOWED_WORDS}.`;
  const stray = [...key].find((char) => !ALLOWED.test(char));
  if (stray) return `“${stray}” cannot be in a key: use only ${ALLOWED_WORDS}.`;
  return 'A key starts with a lowercase letter or a digit.';
}

/** "New Checkout" → "new-checkout": a key made from a name, or '' when nothing of it fits. */
export function suggestKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128)
    .replace(/[-._]+$/, '');
}
