// One targeting rule: its conditions and segments (all must match) and what it serves when
// they do: one variant, or a percentage split. A pure component: it edits the API shape.
import { useId, useRef } from 'preact/hooks';
import type { Condition, Rule, Split } from '../types.ts';
import { ConditionList } from './ConditionEditor.tsx';
import { SplitEditor } from './SplitEditor.tsx';
import { evenSplit, isValidSplit, variantNames } from './split.ts';

export interface RuleEditorProps {
  rule: Rule;
  /** The flag's variant names (or its variants record). */
  variants: readonly string[] | Record<string, unknown>;
  /** The environment's segment keys (or segments). */
  segments: readonly (string | { key: string })[];
  disabled?: boolean;
  /** `valid` is false while a condition value or the split does not hold together. */
  onChange: (rule: Rule, valid: boolean) => void;
}

/** A rule with only the keys it uses: the API refuses a rule with both a variant and a split. */
function tidy(rule: Rule): Rule {
  const result: Rule = {};
  if (rule.description) result.description = rule.description;
  if (rule.conditions && rule.conditions.length > 0) result.conditions = rule.conditions;
  if (rule.segments && rule.segments.length > 0) result.segments = rule.segments;
  if (rule.split !== undefined) {
    result.split = rule.split;
    if (rule.bucketBy) result.bucketBy = rule.bucketBy;
    if (rule.seed) result.seed = rule.seed;
  } else if (rule.variant !== undefined) result.variant = rule.variant;
  return result;
}

export function RuleEditor({ rule, variants, segments, disabled, onChange }: RuleEditorProps) {
  const id = useId();
  const names = variantNames(variants);
  const segmentKeys = segments.map((segment) => (typeof segment === 'string' ? segment : segment.key));
  const chosen = rule.segments ?? [];
  const shownSegments = [...segmentKeys, ...chosen.filter((key) => !segmentKeys.includes(key))];
  const conditionsValid = useRef(true);
  const splitValid = useRef(rule.split === undefined || isValidSplit(rule.split));

  const emit = (next: Rule) => {
    const serves = next.split !== undefined ? splitValid.current : next.variant !== undefined;
    onChange(tidy(next), conditionsValid.current && serves);
  };
  const mode = rule.split !== undefined ? 'split' : 'variant';

  return (
    <div class="rule-editor">
      <div class="field">
        <label for={`${id}-description`}>Rule description</label>
        <input
          id={`${id}-description`}
          type="text"
          value={rule.description ?? ''}
          maxLength={500}
          placeholder="e.g. Beta customers in Europe"
          disabled={disabled}
          onInput={(event) => emit({ ...rule, description: event.currentTarget.value })}
        />
      </div>

      <fieldset class="group">
        <legend>Conditions</legend>
        <ConditionList
          conditions={rule.conditions ?? []}
          disabled={disabled}
          onChange={(conditions: Condition[], valid) => {
            conditionsValid.current = valid;
            emit({ ...rule, conditions });
          }}
        />
      </fieldset>

      <fieldset class="group">
        <legend>Segments</legend>
        {shownSegments.length === 0 ? (
          <p class="hint">This environment has no segments.</p>
        ) : (
          <div class="checks">
            {shownSegments.map((key) => (
              <label key={key} class="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(key)}
                  disabled={disabled}
                  onChange={(event) =>
                    emit({
                      ...rule,
                      segments: event.currentTarget.checked
                        ? [...chosen, key]
                        : chosen.filter((item) => item !== key),
                    })
                  }
                />
                {key}
                {!segmentKeys.includes(key) && <span class="field-error"> (no such segment)</span>}
              </label>
            ))}
          </div>
        )}
      </fieldset>

      <fieldset class="group">
        <legend>Serve</legend>
        <div class="radios">
          <label class="check">
            <input
              type="radio"
              name={`${id}-mode`}
              checked={mode === 'variant'}
              disabled={disabled}
              onChange={() => emit({ ...rule, split: undefined, variant: rule.variant ?? names[0] })}
            />
            One variant
          </label>
          <label class="check">
            <input
              type="radio"
              name={`${id}-mode`}
              checked={mode === 'split'}
              disabled={disabled}
              onChange={() => {
                const split = evenSplit(names);
                splitValid.current = isValidSplit(split);
                emit({ ...rule, variant: undefined, split });
              }}
            />
            A percentage split
          </label>
        </div>
        {mode === 'variant' ? (
          <div class="field field-inline">
            <label for={`${id}-variant`}>Variant</label>
            <select
              id={`${id}-variant`}
              value={rule.variant ?? ''}
              disabled={disabled}
              onChange={(event) => emit({ ...rule, variant: event.currentTarget.value || undefined })}
            >
              {rule.variant === undefined && <option value="">Choose a variant</option>}
              {rule.variant !== undefined && !names.includes(rule.variant) && (
                <option value={rule.variant}>{rule.variant} (not a variant of this flag)</option>
              )}
              {names.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <>
            <SplitEditor
              split={rule.split ?? []}
              variants={names}
              disabled={disabled}
              onChange={(split: Split, valid) => {
                splitValid.current = valid;
                emit({ ...rule, split });
              }}
            />
            <div class="split-bucketing">
              <BucketingField
                id={`${id}-bucket-by`}
                label="Bucket by attribute"
                value={rule.bucketBy}
                placeholder="targetingKey"
                help={`${id}-bucketing-help`}
                disabled={disabled}
                onInput={(bucketBy) => emit({ ...rule, bucketBy })}
              />
              <BucketingField
                id={`${id}-seed`}
                label="Seed"
                value={rule.seed}
                placeholder="the flag key"
                help={`${id}-bucketing-help`}
                disabled={disabled}
                onInput={(seed) => emit({ ...rule, seed })}
              />
              <p id={`${id}-bucketing-help`} class="hint">
                Users are bucketed by the seed followed by the attribute's value. Flags with the same seed and
                weights give a user the same variant; a context without the attribute gets the default
                variant.
              </p>
            </div>
          </>
        )}
      </fieldset>
    </div>
  );
}

interface BucketingFieldProps {
  id: string;
  label: string;
  value: string | undefined;
  placeholder: string;
  /** The id of the text that explains bucketing. */
  help: string;
  disabled: boolean | undefined;
  /** The new value; undefined when emptied (the default applies). */
  onInput: (value: string | undefined) => void;
}

/** One of a split's bucketing settings: empty means the default the placeholder names. */
function BucketingField({ id, label, value, placeholder, help, disabled, onInput }: BucketingFieldProps) {
  return (
    <div class="field field-inline">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value ?? ''}
        maxLength={128}
        placeholder={placeholder}
        aria-describedby={help}
        disabled={disabled}
        onInput={(event) => onInput(event.currentTarget.value || undefined)}
      />
    </div>
  );
}
