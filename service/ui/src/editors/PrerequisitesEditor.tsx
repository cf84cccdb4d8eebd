// A flag's prerequisites: the other flags of its environment it requires, each with the variants
// that meet it. Pick a flag, tick its variants, remove; saved with the flag's other edits.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import { useResource } from '../hooks.ts';
import { touches } from '../live.ts';
import type { Flag, Prerequisite } from '../types.ts';

/** More flags than this are not offered (the API refuses chains this wide anyway). */
const MAX_PAGES = 10;

/** The environment's live flags, every page of them. */
async function liveFlags(environment: string): Promise<Flag[]> {
  const flags: Flag[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await api.flags.list(environment, { archived: false, limit: 200, cursor });
    flags.push(...answer.flags);
    if (answer.nextCursor === null) break;
    cursor = answer.nextCursor;
  }
  return flags;
}

interface PrerequisitesEditorProps {
  environment: string;
  flagKey: string;
  value: Prerequisite[];
  disabled?: boolean;
  onChange: (value: Prerequisite[]) => void;
}

export function PrerequisitesEditor({
  environment,
  flagKey,
  value,
  disabled,
  onChange,
}: PrerequisitesEditorProps) {
  const id = useId();
  const { link } = useApp();
  const flags = useResource(() => liveFlags(environment), environment, touches.anyFlag);
  const [adding, setAdding] = useState('');
  const byKey = new Map((flags.data ?? []).map((flag) => [flag.key, flag]));
  const choices = (flags.data ?? []).filter(
    (flag) => flag.key !== flagKey && !value.some((p) => p.flag === flag.key),
  );

  const replace = (at: number, next: Prerequisite | null) =>
    onChange(next === null ? value.filter((_, i) => i !== at) : value.map((p, i) => (i === at ? next : p)));

  const add = () => {
    const flag = byKey.get(adding);
    if (!flag) return;
    const names = Object.keys(flag.variants);
    const first = flag.defaultVariant ?? names[0];
    onChange([...value, { flag: flag.key, variants: first ? [first] : [] }]);
    setAdding('');
  };

  return (
    <div class="prerequisites">
      {value.length === 0 ? (
        <p class="empty">No prerequisites: the flag does not depend on other flags.</p>
      ) : (
        <ul class="prerequisite-list">
          {value.map((prerequisite, i) => {
            const required = byKey.get(prerequisite.flag);
            // A flag archived since, or not loaded yet: its variants as the prerequisite names them.
            const names = required ? Object.keys(required.variants) : prerequisite.variants;
            return (
              <li key={prerequisite.flag} class="prerequisite">
                <fieldset>
                  <legend>
                    Requires <a href={link(`/flags/${prerequisite.flag}`)}>{prerequisite.flag}</a> on, serving
                    {prerequisite.variants.length > 1 ? ' one of' : ''}:
                  </legend>
                  {!required && flags.data && (
                    <p class="hint">Not a live flag here: this prerequisite is not met.</p>
                  )}
                  <div class="prerequisite-variants">
                    {names.map((name) => {
                      const checked = prerequisite.variants.includes(name);
                      return (
                        <label key={name} class="checkbox">
                          <input
                            type="checkbox"
                            checked={checked}
                            // At least one variant meets a prerequisite: remove it instead.
                            disabled={disabled || (checked && prerequisite.variants.length === 1)}
                            aria-label={`${prerequisite.flag} serving ${name}`}
                            onChange={(event) =>
                              replace(i, {
                                flag: prerequisite.flag,
                                variants: event.currentTarget.checked
                                  ? names.filter((n) => n === name || prerequisite.variants.includes(n))
                                  : prerequisite.variants.filter((n) => n !== name),
                              })
                            }
                          />{' '}
                          {name}
                        </label>
                      );
                    })}
                  </div>
                </fieldset>
                <button
                  type="button"
                  class="button button-small button-quiet button-quiet-danger"
                  disabled={disabled}
                  aria-label={`Remove prerequisite ${prerequisite.flag}`}
                  onClick={() => replace(i, null)}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div class="field-row prerequisite-add">
        <div class="field">
          <label for={`${id}-flag`}>Required flag</label>
          <select
            id={`${id}-flag`}
            value={adding}
            disabled={disabled || choices.length === 0}
            onChange={(event) => setAdding(event.currentTarget.value)}
          >
            <option value="">Choose a flag…</option>
            {choices.map((flag) => (
              <option key={flag.key} value={flag.key}>
                {flag.key}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="button" disabled={disabled || adding === ''} onClick={add}>
          Add prerequisite
        </button>
      </div>
    </div>
  );
}
