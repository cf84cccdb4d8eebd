// A readable before/after of two JSON values: one line per changed leaf ("rules[0].variant"),
// removed lines in red, added in green; unchanged fields are counted, not shown.

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
      const step = IDENTIFIER.test(name) ? (path ? `${path}.${name}` : name) : `${path}[${JSON.stringify(name)}]`;
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
  return { lines, unchanged };
}

const show = (value: unknown) => JSON.stringify(value);

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

export function Diff({ before, after, label = 'Changes' }: { before: unknown; after: unknown; label?: string }) {
  const { lines, unchanged } = diffLines(before, after);
  return (
    <div class="diff" role="group" aria-label={label}>
      {lines.length === 0 && <p class="diff-none">No changes.</p>}
      {lines.map((line) =>
        line.kind === 'changed' ? (
          <div key={line.path} class="diff-pair">
            <Line sign="−" kind="removed changed" path={line.path} value={line.before} />
            <Line sign="+" kind="added changed" path={line.path} value={line.after} />
          </div>
        ) : (
          <Line
            key={line.path}
            sign={line.kind === 'added' ? '+' : '−'}
            kind={line.kind}
            path={line.path}
            value={line.value}
          />
        ),
      )}
      {unchanged > 0 && lines.length > 0 && (
        <p class="diff-unchanged">
          {unchanged} unchanged {unchanged === 1 ? 'field' : 'fields'} not shown
        </p>
      )}
    </div>
  );
}
