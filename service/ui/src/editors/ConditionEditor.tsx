// Conditions on context attributes, shared by rules and segments. Each row keeps the text as
// typed (so "1." or "a, " survive a keystroke) and reports the API value it stands for.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ScalarInput } from '../components/ScalarInput.tsx';
import { type Condition, OPERATORS, type Operator } from '../types.ts';
import {
  buildCondition,
  emptyCondition,
  inferType,
  OPERATOR_LABELS,
  parseValue,
  type ValueType,
  valueKind,
  valueText,
} from './conditions.ts';

interface ConditionRowProps {
  condition: Condition;
  position: number;
  disabled?: boolean;
  onChange: (condition: Condition, valid: boolean) => void;
  onRemove: () => void;
}

function ConditionRow({ condition, position, disabled, onChange, onRemove }: ConditionRowProps) {
  const id = useId();
  const [text, setText] = useState(() => valueText(condition.value));
  const [type, setType] = useState<ValueType>(() => inferType(condition.value));
  const emitted = useRef<unknown>(condition.value);

  // A value changed from outside (a reload, a removed row above): show it.
  useEffect(() => {
    if (JSON.stringify(condition.value) !== JSON.stringify(emitted.current)) {
      emitted.current = condition.value;
      setText(valueText(condition.value));
      setType(inferType(condition.value));
    }
  }, [condition.value]);

  const kind = valueKind(condition.operator);
  const parsed = parseValue(condition.operator, type, text);
  const attributeError = condition.attribute.trim() === '' ? 'Enter an attribute' : undefined;

  const emit = (attribute: string, operator: Operator, nextType: ValueType, nextText: string) => {
    const result = parseValue(operator, nextType, nextText);
    emitted.current = valueKind(operator) === 'none' ? undefined : result.value;
    onChange(
      buildCondition(attribute, operator, result.value),
      attribute.trim() !== '' && result.error === undefined,
    );
  };

  const types: ValueType[] = kind === 'list' ? ['string', 'number'] : ['string', 'number', 'boolean'];

  return (
    <fieldset class="condition">
      <legend class="visually-hidden">Condition {position}</legend>
      <div class="field">
        <label for={`${id}-attribute`}>Attribute</label>
        <input
          id={`${id}-attribute`}
          type="text"
          value={condition.attribute}
          placeholder="e.g. country"
          disabled={disabled}
          spellcheck={false}
          aria-invalid={attributeError ? true : undefined}
          onInput={(event) => emit(event.currentTarget.value, condition.operator, type, text)}
        />
      </div>
      <div class="field">
        <label for={`${id}-operator`}>Operator</label>
        <select
          id={`${id}-operator`}
          value={condition.operator}
          disabled={disabled}
          onChange={(event) => emit(condition.attribute, event.currentTarget.value as Operator, type, text)}
        >
          {OPERATORS.map((operator) => (
            <option key={operator} value={operator}>
              {OPERATOR_LABELS[operator]}
            </option>
          ))}
        </select>
      </div>
      {(kind === 'typed' || kind === 'list') && (
        <div class="field field-narrow">
          <label for={`${id}-type`}>Value type</label>
          <select
            id={`${id}-type`}
            value={type}
            disabled={disabled}
            onChange={(event) => {
              const next = event.currentTarget.value as ValueType;
              const nextText = next === 'boolean' && text !== 'true' && text !== 'false' ? 'true' : text;
              setType(next);
              setText(nextText);
              emit(condition.attribute, condition.operator, next, nextText);
            }}
          >
            {types.map((option) => (
              <option key={option} value={option}>
                {option === 'string' ? 'text' : option}
              </option>
            ))}
          </select>
        </div>
      )}
      {kind !== 'none' && (
        <div class="field field-grow">
          <label for={`${id}-value`}>{kind === 'list' ? 'Values (comma-separated)' : 'Value'}</label>
          {kind === 'typed' && type === 'boolean' ? (
            <select
              id={`${id}-value`}
              value={text === 'false' ? 'false' : 'true'}
              disabled={disabled}
              onChange={(event) => {
                setText(event.currentTarget.value);
                emit(condition.attribute, condition.operator, type, event.currentTarget.value);
              }}
            >
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : (
            <ScalarInput
              id={`${id}-value`}
              numeric={kind === 'number'}
              value={text}
              disabled={disabled}
              spellcheck={false}
              placeholder={
                kind === 'list' ? 'e.g. de, fr, nl' : kind === 'version' ? 'e.g. 1.2.3' : undefined
              }
              aria-invalid={parsed.error ? true : undefined}
              aria-describedby={parsed.error ? `${id}-error` : undefined}
              onInput={(event) => {
                setText(event.currentTarget.value);
                emit(condition.attribute, condition.operator, type, event.currentTarget.value);
              }}
            />
          )}
        </div>
      )}
      <button
        type="button"
        class="button button-quiet button-icon"
        disabled={disabled}
        aria-label={`Remove condition ${position}`}
        title="Remove condition"
        onClick={onRemove}
      >
        ✕
      </button>
      {(attributeError || parsed.error) && (
        <p id={`${id}-error`} class="field-error">
          {attributeError ?? parsed.error}
        </p>
      )}
    </fieldset>
  );
}

interface ConditionListProps {
  conditions: Condition[];
  disabled?: boolean;
  onChange: (conditions: Condition[], valid: boolean) => void;
  /** What an empty list means where it is used: a rule's matches every context, a segment's none. */
  emptyNote?: string;
}

/** All must match. `valid` is false while a row has a value that does not fit its operator. */
export function ConditionList({
  conditions,
  disabled,
  onChange,
  emptyNote = 'No conditions: matches every context.',
}: ConditionListProps) {
  const validity = useRef<boolean[]>([]);
  const emit = (next: Condition[], nextValidity: boolean[]) => {
    validity.current = nextValidity;
    onChange(
      next,
      nextValidity.every((valid) => valid),
    );
  };
  const current = () => conditions.map((_, i) => validity.current[i] ?? true);

  return (
    <div class="conditions">
      {conditions.length === 0 && <p class="hint">{emptyNote}</p>}
      {conditions.map((condition, i) => (
        <ConditionRow
          // Rows have no identity of their own; a row that moves takes its new value from props.
          key={i}
          condition={condition}
          position={i + 1}
          disabled={disabled}
          onChange={(changed, valid) => {
            const nextValidity = current();
            nextValidity[i] = valid;
            emit(
              conditions.map((item, j) => (j === i ? changed : item)),
              nextValidity,
            );
          }}
          onRemove={() =>
            emit(
              conditions.filter((_, j) => j !== i),
              current().filter((_, j) => j !== i),
            )
          }
        />
      ))}
      <button
        type="button"
        class="button button-small"
        disabled={disabled}
        onClick={() => emit([...conditions, emptyCondition()], [...current(), false])}
      >
        Add condition
      </button>
    </div>
  );
}
