import { useId } from 'preact/hooks';
import { ScalarInput } from '../components/ScalarInput.tsx';
import type { FlagType } from '../types.ts';
import { nameError, newRowId, parseVariantValue, type VariantRow } from './variants.ts';

interface VariantsEditorProps {
  type: FlagType;
  rows: VariantRow[];
  disabled?: boolean;
  onChange: (rows: VariantRow[]) => void;
}

const blank: Record<FlagType, string> = { boolean: 'true', number: '0', string: '', json: '{}' };

function ValueInput({
  id,
  type,
  row,
  disabled,
  error,
  onInput,
}: {
  id: string;
  type: FlagType;
  row: VariantRow;
  disabled?: boolean;
  error?: string;
  onInput: (text: string) => void;
}) {
  const invalid = error ? true : undefined;
  const describedBy = error ? `${id}-error` : undefined;
  if (type === 'boolean')
    return (
      <select
        id={id}
        value={row.text}
        disabled={disabled}
        onChange={(event) => onInput(event.currentTarget.value)}
      >
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  if (type === 'json')
    return (
      <textarea
        id={id}
        rows={Math.min(8, Math.max(2, row.text.split('\n').length))}
        value={row.text}
        disabled={disabled}
        spellcheck={false}
        class="code"
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
    );
  return (
    <ScalarInput
      id={id}
      numeric={type === 'number'}
      value={row.text}
      disabled={disabled}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onInput={(event) => onInput(event.currentTarget.value)}
    />
  );
}

/** Named values of the flag's type; json values are edited as JSON text. */
export function VariantsEditor({ type, rows, disabled, onChange }: VariantsEditorProps) {
  const id = useId();
  const update = (row: VariantRow, change: Partial<VariantRow>) =>
    onChange(rows.map((item) => (item === row ? { ...item, ...change } : item)));

  return (
    <div class="variants">
      <table class="table table-compact">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value ({type})</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => {
            const badName = nameError(rows, row);
            const badValue = parseVariantValue(type, row.text).error;
            return (
              <tr key={row.id}>
                <td>
                  <label for={`${id}-name-${row.id}`} class="visually-hidden">
                    Name of variant {i + 1}
                  </label>
                  <input
                    id={`${id}-name-${row.id}`}
                    type="text"
                    value={row.name}
                    disabled={disabled}
                    spellcheck={false}
                    aria-invalid={badName ? true : undefined}
                    aria-describedby={badName ? `${id}-name-${row.id}-error` : undefined}
                    onInput={(event) => update(row, { name: event.currentTarget.value })}
                  />
                  {badName && (
                    <p id={`${id}-name-${row.id}-error`} class="field-error">
                      {badName}
                    </p>
                  )}
                </td>
                <td>
                  <label for={`${id}-value-${row.id}`} class="visually-hidden">
                    Value of variant {row.name || i + 1}
                  </label>
                  <ValueInput
                    id={`${id}-value-${row.id}`}
                    type={type}
                    row={row}
                    disabled={disabled}
                    error={badValue}
                    onInput={(text) => update(row, { text })}
                  />
                  {badValue && (
                    <p id={`${id}-value-${row.id}-error`} class="field-error">
                      {badValue}
                    </p>
                  )}
                </td>
                <td class="cell-actions">
                  <button
                    type="button"
                    class="button button-quiet button-small"
                    disabled={disabled}
                    aria-label={`Remove variant ${row.name || i + 1}`}
                    onClick={() => onChange(rows.filter((item) => item !== row))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        class="button button-small"
        disabled={disabled}
        onClick={() =>
          onChange([...rows, { id: newRowId(), name: `variant-${rows.length + 1}`, text: blank[type] }])
        }
      >
        Add variant
      </button>
    </div>
  );
}
