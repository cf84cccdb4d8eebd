// A percentage split: weights are edited as percentages (two decimals) and reported in basis
// points. Rows keep the text as typed; `valid` is true only for a total of 100 %. A split saved with
// another total is shown in percentages of it and handed back unchanged until a row is edited.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Split } from '../types.ts';
import {
  evenSplit,
  formatPercent,
  isValidSplit,
  percentOf,
  percentToBasisPoints,
  splitTotal,
  TOTAL_WEIGHT,
  variantNames,
} from './split.ts';

export interface SplitEditorProps {
  /** The API shape: whole-number weights (basis points once edited here). */
  split: Split;
  /** The flag's variant names (or its variants record). */
  variants: readonly string[] | Record<string, unknown>;
  disabled?: boolean;
  onChange: (split: Split, valid: boolean) => void;
}

const textsOf = (split: Split) => {
  const total = splitTotal(split);
  return split.map((entry) => percentOf(entry.weight, total));
};

export function SplitEditor({ split, variants, disabled, onChange }: SplitEditorProps) {
  const id = useId();
  const names = variantNames(variants);
  const [texts, setTexts] = useState(() => textsOf(split));
  const emitted = useRef(JSON.stringify(split));
  // Whether the rows are percentages typed here, rather than the weights the split came with.
  const [edited, setEdited] = useState(false);
  const [adding, setAdding] = useState('');

  // A split changed from outside (a reload, another rule's data): show it.
  useEffect(() => {
    const incoming = JSON.stringify(split);
    if (incoming !== emitted.current) {
      emitted.current = incoming;
      setTexts(textsOf(split));
      setEdited(false);
    }
  }, [split]);

  const storedTotal = splitTotal(split);
  const kept = !edited && isValidSplit(split);
  const weights = kept
    ? split.map((entry) => (entry.weight / storedTotal) * TOTAL_WEIGHT)
    : texts.map(percentToBasisPoints);
  const badEntry = weights.some((weight) => weight === null);
  const total = kept ? TOTAL_WEIGHT : weights.reduce<number>((sum, weight) => sum + (weight ?? 0), 0);
  const valid = split.length > 0 && !badEntry && total === TOTAL_WEIGHT;

  const emit = (variantsInOrder: string[], nextTexts: string[]) => {
    const next = variantsInOrder.map((variant, i) => ({
      variant,
      weight: percentToBasisPoints(nextTexts[i] ?? '') ?? 0,
    }));
    const nextValid =
      next.length > 0 &&
      nextTexts.every((text) => percentToBasisPoints(text) !== null) &&
      next.reduce((sum, entry) => sum + entry.weight, 0) === TOTAL_WEIGHT;
    emitted.current = JSON.stringify(next);
    setTexts(nextTexts);
    setEdited(true);
    onChange(next, nextValid);
  };

  const inSplit = split.map((entry) => entry.variant);
  const addable = names.filter((name) => !inSplit.includes(name));
  const toAdd = addable.includes(adding) ? adding : (addable[0] ?? '');

  return (
    <div class="split">
      <div class="split-bar" aria-hidden="true">
        {split.map((entry, i) => (
          <span
            key={entry.variant}
            class={`split-bar-part split-color-${i % 6}`}
            style={{ width: `${((weights[i] ?? 0) / TOTAL_WEIGHT) * 100}%` }}
          />
        ))}
      </div>
      <ul class="split-rows">
        {split.map((entry, i) => (
          <li key={entry.variant} class="split-row">
            <span class={`split-swatch split-color-${i % 6}`} aria-hidden="true" />
            <label for={`${id}-${i}`} class="split-variant">
              {entry.variant}
              <span class="visually-hidden"> weight in percent</span>
              {!names.includes(entry.variant) && (
                <span class="field-error"> (not a variant of this flag)</span>
              )}
            </label>
            <span class="split-input">
              <input
                id={`${id}-${i}`}
                type="number"
                min="0"
                max="100"
                step="0.01"
                inputMode="decimal"
                value={texts[i] ?? ''}
                disabled={disabled}
                aria-invalid={weights[i] === null ? true : undefined}
                onInput={(event) =>
                  emit(
                    inSplit,
                    texts.map((text, j) => (j === i ? event.currentTarget.value : text)),
                  )
                }
              />
              <span aria-hidden="true">%</span>
            </span>
            <button
              type="button"
              class="button button-quiet button-small"
              disabled={disabled || split.length === 1}
              aria-label={`Remove ${entry.variant} from the split`}
              onClick={() =>
                emit(
                  inSplit.filter((_, j) => j !== i),
                  texts.filter((_, j) => j !== i),
                )
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {kept && storedTotal !== TOTAL_WEIGHT && (
        <p class="hint">
          Saved as weights {split.map((entry) => entry.weight).join(' : ')} (total {storedTotal}). Editing a
          percentage saves basis points (total {TOTAL_WEIGHT}).
        </p>
      )}
      <div class="split-footer">
        <span class={valid ? 'split-total' : 'split-total split-total-bad'}>
          Total {formatPercent(total)}
        </span>
        <button
          type="button"
          class="button button-small"
          disabled={disabled || split.length === 0}
          onClick={() => emit(inSplit, textsOf(evenSplit(inSplit)))}
        >
          Split evenly
        </button>
        {addable.length > 0 && (
          <span class="split-add">
            <label for={`${id}-add`} class="visually-hidden">
              Variant to add to the split
            </label>
            <select
              id={`${id}-add`}
              value={toAdd}
              disabled={disabled}
              onChange={(event) => setAdding(event.currentTarget.value)}
            >
              {addable.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <button
              type="button"
              class="button button-small"
              disabled={disabled || !toAdd}
              onClick={() => emit([...inSplit, toAdd], [...texts, '0'])}
            >
              Add to split
            </button>
          </span>
        )}
      </div>
      {badEntry && (
        <p role="alert" class="field-error">
          Each weight is a percentage from 0 to 100 with at most two decimals.
        </p>
      )}
      {!badEntry && total !== TOTAL_WEIGHT && (
        <p role="alert" class="field-error">
          Weights must add up to 100 % (now {formatPercent(total)})
        </p>
      )}
    </div>
  );
}
