// A readable before/after of two JSON values: one line per changed leaf ("rules[0].variant"),
// removed lines in red, added in green; unchanged fields are counted, not shown. Long diffs (a
// created or archived flag lists every field) show their first lines until expanded.
import { useState } from 'preact/hooks';

export type DiffLine =
  | { kind: 'added' | 'removed'; path: string; value: unknown }
  | { kind: 'changed'; path: string; before: unknown; after: unknown };

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

function flatten(value: unknown, path: string, into: Map<string, unknown>) {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => {
      flatten(item, `${path}[${i}]`, into);
    });
  } else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [name, item] of Object.entries(value)) {
      const step = IDENTIFIER.test(name)
        ? path
          ? `${path}.${name}`
          : name
        : `${path}[${JSON.stringify(name)}]`;
      flatten(item, step, into);
    }
  } else {
    into.set(path || '(value)', value);
  }
}

const leaves = (value: unknown) => {
  const into = new Map<string, unknown>();
  if (value !== null && value !== undefined) flatten(value, '', into);
  return into;
};

export function diffLines(before: unknown, after: unknown): { lines: DiffLine[]; unchanged: number } {
  const was = leaves(before);
  const now = leaves(after);
  const lines: DiffLine[] = [];
  let unchanged = 0;
  for (const [path, value] of was) {
    if (!now.has(path)) lines.push({ kind: 'removed', path, value });
    else if (JSON.stringify(now.get(path)) === JSON.stringify(value)) unchanged++;
    else lines.push({ kind: 'changed', path, before: value, after: now.get(path) });
  }
  for (const [path, value] of now) {
    if (!was.has(path)) lines.push({ kind: 'added', path, value });
  }
  // Stored JSON keeps no key order; paths in natural order read best (rules[2] before rules[10]).
  lines.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  return { lines, unchanged };
}

const show = (value: unknown) => JSON.stringify(value);
const SHORT = 20;

function Line({ sign, kind, path, value }: { sign: '+' | '−'; kind: string; path: string; value: unknown }) {
  return (
    <div class={`diff-line diff-${kind}`}>
      <span class="diff-sign" aria-hidden="true">
        {sign}
      </span>
      <span class="visually-hidden">{sign === '+' ? 'Added: ' : 'Removed: '}</span>
      <code>
        <span class="diff-path">{path}</span>: {show(value)}
      </code>
    </div>
  );
}

export function Diff({
  before,
  after,
  label = 'Changes',
}: {
  before: unknown;
  after: unknown;
  label?: string;
}) {
  const { lines, unchanged } = diffLines(before, after);
  const [expanded, setExpanded] = useState(false);
  const shown = expanded ? lines : lines.slice(0, SHORT);
  return (
    <div class="diff">
      {lines.length === 0 ? (
        <p class="diff-none">No changes.</p>
      ) : (
        <ul class="diff-lines" aria-label={label}>
          {shown.map((line) => (
            <li key={line.path} class={line.kind === 'changed' ? 'diff-pair' : undefined}>
              {line.kind === 'changed' ? (
                <>
                  <Line sign="−" kind="removed changed" path={line.path} value={line.before} />
                  <Line sign="+" kind="added changed" path={line.path} value={line.after} />
                </>
              ) : (
                <Line
                  sign={line.kind === 'added' ? '+' : '−'}
                  kind={line.kind}
                  path={line.path}
                  value={line.value}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {lines.length > SHORT && (
        <button
          type="button"
          class="diff-toggle"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Show fewer changes' : `Show all ${lines.length} changes`}
        </button>
      )}
      {unchanged > 0 && lines.length > 0 && (
        <p class="diff-unchanged">
          {unchanged} unchanged {unchanged === 1 ? 'field' : 'fields'} not shown
        </p>
      )}
    </div>
  );
}
