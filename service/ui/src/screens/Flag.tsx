// One flag: on/off, description, variants, default and off variants, targeting rules; saved
// together with If-Match, so a change someone else made meanwhile is never overwritten.

import { useId, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api, isChangeRequest, proposedMessage } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ConflictNote } from '../components/ConflictNote.tsx';
import { DetailsCard } from '../components/DetailsCard.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { FlagEnvironments } from '../components/FlagEnvironments.tsx';
import { FlagSwitch } from '../components/FlagSwitch.tsx';
import { PageHead } from '../components/PageHead.tsx';
import { RequiredBy } from '../components/RequiredBy.tsx';
import { SaveBar } from '../components/SaveBar.tsx';
import { Time } from '../components/Time.tsx';
import { useApp } from '../context.ts';
import { useEditable } from '../editable.ts';
import { PrerequisitesEditor } from '../editors/PrerequisitesEditor.tsx';
import { RuleEditor } from '../editors/RuleEditor.tsx';
import { carryRenames } from '../editors/rename.ts';
import { VariantsEditor } from '../editors/VariantsEditor.tsx';
import { rowsFromVariants, type VariantRow, variantsFromRows } from '../editors/variants.ts';
import { formatValue } from '../format.ts';
import { useAction, useResource, useTitle } from '../hooks.ts';
import { touches } from '../live.ts';
import type { Flag, FlagPatch, Prerequisite, Rule } from '../types.ts';
import { FlagHistory } from './FlagHistory.tsx';
import { FlagPlayground } from './FlagPlayground.tsx';
import { FlagSchedules } from './FlagSchedules.tsx';
import { FlagUsage } from './FlagUsage.tsx';

/** What the flag serves now, in words, for the line beside its switch. */
function servingText(flag: Flag): string {
  const off = flag.offVariant ? `its off variant “${flag.offVariant}”` : undefined;
  if (!flag.enabled) return off ? `serving ${off}.` : "serving nothing: callers get their code's default.";
  const serving =
    flag.rules.length > 0 ? 'serving by its rules, else its default variant' : 'serving its default variant';
  if (flag.prerequisites.length === 0) return `${serving}.`;
  const requires = flag.prerequisites.map((p) => `${p.flag} serves ${p.variants.join(' or ')}`).join(' and ');
  return `${serving}, while ${requires}; else ${off ?? "callers' code defaults"}.`;
}

interface RuleRow {
  id: number;
  rule: Rule;
  valid: boolean;
}

interface Draft {
  description: string;
  variants: VariantRow[];
  defaultVariant: string | null;
  offVariant: string | null;
  rules: RuleRow[];
  prerequisites: Prerequisite[];
}

let nextRuleId = 1;

const draftOf = (flag: Flag): Draft => ({
  description: flag.description,
  variants: rowsFromVariants(flag.type, flag.variants),
  defaultVariant: flag.defaultVariant,
  offVariant: flag.offVariant,
  rules: flag.rules.map((rule) => ({ id: nextRuleId++, rule, valid: true })),
  prerequisites: flag.prerequisites,
});

/** A draft field as the API holds it: variants by name and value, rules without row ids. */
const comparable = (field: keyof Draft, value: Draft[keyof Draft]) =>
  field === 'variants'
    ? (value as VariantRow[]).map((row) => [row.name, row.text])
    : field === 'rules'
      ? (value as RuleRow[]).map((row) => row.rule)
      : value;

/** The fields in words, for conflicts. */
const FIELD_NAMES: Record<keyof Draft, string> = {
  description: 'description',
  variants: 'variants',
  defaultVariant: 'default variant',
  offVariant: 'off variant',
  rules: 'targeting rules',
  prerequisites: 'prerequisites',
};

/** Their value of a field, in a line. */
function theirsText(flag: Flag, field: keyof Draft): string {
  if (field === 'description') return flag.description === '' ? '(empty)' : `“${flag.description}”`;
  if (field === 'variants') return formatValue(flag.variants);
  if (field === 'rules') return flag.rules.length === 1 ? '1 rule' : `${flag.rules.length} rules`;
  if (field === 'prerequisites')
    return flag.prerequisites.map((p) => `${p.flag} (${p.variants.join(', ')})`).join('; ') || 'none';
  return flag[field] ?? 'none';
}

export const CONFLICT_MESSAGE = 'Someone changed this flag since you opened it.';

function VariantChoice({
  label,
  hint,
  value,
  names,
  disabled,
  onChange,
}: {
  label: string;
  hint: string;
  value: string | null;
  names: string[];
  disabled: boolean;
  onChange: (value: string | null) => void;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        disabled={disabled}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.currentTarget.value || null)}
      >
        <option value="">none (caller's default)</option>
        {value !== null && !names.includes(value) && <option value={value}>{value} (no such variant)</option>}
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} class="hint">
        {hint}
      </p>
    </div>
  );
}

function FlagEditor({ flagKey }: { flagKey: string }) {
  const id = useId();
  const { environment, readOnly, protectedEnvironment } = useApp();
  const [archiving, setArchiving] = useState(false);
  const save = useAction();
  const archive = useAction();
  const restore = useAction();
  const segments = useResource(() => api.segments.list(environment), environment, touches.anySegment);
  useTitle(flagKey);
  const editor = useEditable({
    fetch: () => api.flags.get(environment, flagKey),
    draftOf,
    comparable,
    deps: [environment, flagKey],
    touches: touches.flag(flagKey),
  });
  const { item: flag, loadError, draft, load, edit, conflicts, show } = editor;
  const { setStatus, setRefused } = editor;
  // The name each variant row's references use, while a rename is being typed.
  const named = useRef(new Map<number, string>());

  if (!flag || !draft) {
    return (
      <>
        <Breadcrumb flagKey={flagKey} />
        <h1 class="title-key">{flagKey}</h1>
        {loadError ? <ErrorAlert error={loadError} /> : <p class="muted">Loading…</p>}
      </>
    );
  }

  const locked = readOnly || flag.archivedAt !== null;
  const variants = variantsFromRows(flag.type, draft.variants);
  // What the editors mark as wrong (a split short of 100 %, a value not of the type) is not sent.
  const blocked = 'error' in variants || draft.rules.some((row) => !row.valid);
  const names = draft.variants.map((row) => row.name).filter((name) => name !== '');
  const editRules = (rules: RuleRow[]) => edit({ rules });
  const moveRule = (from: number, to: number) => {
    const rules = [...draft.rules];
    const [moved] = rules.splice(from, 1);
    if (moved) rules.splice(to, 0, moved);
    editRules(rules);
  };

  const editVariants = (rows: VariantRow[]) => {
    const { defaultVariant, offVariant, rules } = draft;
    const refs = carryRenames(draft.variants, rows, { defaultVariant, offVariant, rules }, named.current);
    edit({ variants: rows, ...refs });
  };

  /** A note at a field the person edited and someone else changed meanwhile. */
  const conflictAt = (field: keyof Draft, noteId?: string) =>
    conflicts.includes(field) && (
      <ConflictNote
        id={noteId}
        field={FIELD_NAMES[field]}
        theirs={theirsText(flag, field)}
        onTheirs={() => editor.takeTheirs(field)}
        onMine={() => editor.keepMine(field)}
      />
    );

  const submit = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    if (blocked || 'error' in variants || conflicts.length > 0) {
      setRefused(true);
      return;
    }
    let proposal = false;
    const saved = await save.run(() =>
      editor.commit(async (fields, version) => {
        const patch: FlagPatch = {};
        if (fields.description !== undefined) patch.description = fields.description;
        if (fields.variants !== undefined) patch.variants = variants.variants;
        if (fields.defaultVariant !== undefined) patch.defaultVariant = fields.defaultVariant;
        if (fields.offVariant !== undefined) patch.offVariant = fields.offVariant;
        if (fields.rules !== undefined) patch.rules = fields.rules.map((row) => row.rule);
        if (fields.prerequisites !== undefined) patch.prerequisites = fields.prerequisites;
        const answer = await api.flags.update(environment, flag.key, patch, version);
        if (!isChangeRequest(answer)) return answer;
        // A protected environment: the flag stays as it is until another person approves.
        proposal = true;
        return flag;
      }),
    );
    if (saved) {
      setStatus(proposal ? proposedMessage(environment) : 'Saved');
    }
  };

  const doArchive = async () => {
    const done = await archive.run(async () =>
      isChangeRequest(await api.flags.archive(environment, flag.key)) ? 'proposed' : 'archived',
    );
    setArchiving(false);
    if (done === 'proposed') setStatus(proposedMessage(environment));
    else if (done) {
      await load();
      setStatus('Archived');
    }
  };

  const doRestore = async () => {
    // Someone restored it first: show it as it now is rather than an error.
    const restored = await restore.run(
      () => api.flags.restore(environment, flag.key),
      (error) => {
        if (error.code !== 'FLAG_NOT_ARCHIVED') return false;
        void load();
        return true;
      },
    );
    if (isChangeRequest(restored)) setStatus(proposedMessage(environment));
    else if (restored) {
      show(restored);
      setStatus('Restored');
    }
  };

  return (
    <>
      <Breadcrumb flagKey={flagKey} />
      <PageHead
        title={flag.key}
        isKey
        actions={
          <div class="page-actions">
            <ErrorAlert error={archive.error} />
            {flag.archivedAt === null && (
              <button
                type="button"
                class="button button-danger-outline"
                disabled={readOnly}
                onClick={() => setArchiving(true)}
              >
                Archive
              </button>
            )}
          </div>
        }
      >
        <span class="badge">{flag.type}</span> version {flag.version} · updated <Time iso={flag.updatedAt} />{' '}
        · created <Time iso={flag.createdAt} />
      </PageHead>

      {flag.archivedAt !== null && (
        // One text item beside the button: the alert lays out its children with gaps between them.
        <div class="alert alert-info">
          <span>
            Archived on <Time iso={flag.archivedAt} exact />. Services get 404 for it and it cannot be
            changed. Restore brings it back as it was.
          </span>
          <button
            type="button"
            class="button"
            disabled={readOnly || restore.busy}
            onClick={() => void doRestore()}
          >
            Restore
          </button>
          <ErrorAlert error={restore.error} />
        </div>
      )}

      <section class="card" aria-labelledby={`${id}-state`}>
        <h2 id={`${id}-state`} class="visually-hidden">
          State
        </h2>
        <div class="state-row">
          <FlagSwitch
            flag={flag}
            environment={environment}
            disabled={locked}
            onStale={editor.refresh}
            onSaved={(updated) => {
              // The edits in progress stay; they now build on the new version.
              editor.receive(updated);
              setStatus(`Saved: ${updated.key} is ${updated.enabled ? 'on' : 'off'} in ${environment}`);
            }}
          />
          <p>
            <strong>{flag.enabled ? 'On' : 'Off'}</strong> in <strong>{environment}</strong>:{' '}
            {servingText(flag)}
          </p>
        </div>
        <RequiredBy environment={environment} flagKey={flag.key} />
      </section>

      <form class="flag-form" onSubmit={submit} noValidate>
        <DetailsCard
          description={draft.description}
          disabled={locked}
          onInput={(description) => edit({ description })}
          note={(noteId) => conflictAt('description', noteId)}
        />

        <section class="card" aria-labelledby={`${id}-variants`}>
          <h2 id={`${id}-variants`}>Variants</h2>
          <VariantsEditor type={flag.type} rows={draft.variants} disabled={locked} onChange={editVariants} />
          {conflictAt('variants')}
          <div class="field-row">
            <VariantChoice
              label="Default variant"
              hint="Served when the flag is on and no rule matches."
              value={draft.defaultVariant}
              names={names}
              disabled={locked}
              onChange={(defaultVariant) => edit({ defaultVariant })}
            />
            <VariantChoice
              label="Off variant"
              hint="Served when the flag is off."
              value={draft.offVariant}
              names={names}
              disabled={locked}
              onChange={(offVariant) => edit({ offVariant })}
            />
          </div>
          {conflictAt('defaultVariant')}
          {conflictAt('offVariant')}
        </section>

        <section class="card" aria-labelledby={`${id}-rules`}>
          <h2 id={`${id}-rules`}>Targeting rules</h2>
          <p class="hint">In order: the first rule whose conditions and segments all match decides.</p>
          {conflictAt('rules')}
          {draft.rules.length === 0 && <p class="empty">No rules: everyone gets the default variant.</p>}
          <ol class="rules">
            {draft.rules.map((row, i) => (
              <li key={row.id} class="rule" aria-labelledby={`${id}-rule-${row.id}`}>
                <div class="rule-head">
                  <h3 id={`${id}-rule-${row.id}`}>Rule {i + 1}</h3>
                  <div class="rule-actions">
                    <button
                      type="button"
                      class="button button-small button-quiet"
                      disabled={locked || i === 0}
                      aria-label={`Move rule ${i + 1} up`}
                      onClick={() => moveRule(i, i - 1)}
                    >
                      ↑ Up
                    </button>
                    <button
                      type="button"
                      class="button button-small button-quiet"
                      disabled={locked || i === draft.rules.length - 1}
                      aria-label={`Move rule ${i + 1} down`}
                      onClick={() => moveRule(i, i + 1)}
                    >
                      ↓ Down
                    </button>
                    <button
                      type="button"
                      class="button button-small button-quiet button-quiet-danger"
                      disabled={locked}
                      aria-label={`Remove rule ${i + 1}`}
                      onClick={() => editRules(draft.rules.filter((item) => item !== row))}
                    >
                      Remove
                    </button>
                  </div>
                </div>
                <RuleEditor
                  rule={row.rule}
                  variants={names}
                  segments={segments.data?.segments ?? []}
                  disabled={locked}
                  onChange={(rule, valid) =>
                    editRules(draft.rules.map((item) => (item === row ? { ...row, rule, valid } : item)))
                  }
                />
              </li>
            ))}
          </ol>
          <button
            type="button"
            class="button"
            disabled={locked}
            onClick={() =>
              editRules([
                ...draft.rules,
                { id: nextRuleId++, rule: names[0] ? { variant: names[0] } : {}, valid: names.length > 0 },
              ])
            }
          >
            Add rule
          </button>
        </section>

        <section class="card" aria-labelledby={`${id}-prerequisites`}>
          <h2 id={`${id}-prerequisites`}>Prerequisites</h2>
          <p class="hint">While one is not met, the flag serves its off variant, as if it were off.</p>
          {conflictAt('prerequisites')}
          <PrerequisitesEditor
            environment={environment}
            flagKey={flag.key}
            value={draft.prerequisites}
            disabled={locked}
            onChange={(prerequisites) => edit({ prerequisites })}
          />
        </section>

        <SaveBar
          editor={editor}
          conflicts={conflicts.map((field) => `the ${FIELD_NAMES[field]}`)}
          conflictMessage={CONFLICT_MESSAGE}
          blocked={blocked}
          locked={
            readOnly ? 'Read-only: signed in with a read token' : locked ? 'Archived: read-only' : undefined
          }
          save={save}
          proposes={protectedEnvironment}
        />
      </form>

      <FlagEnvironments flagKey={flag.key} />

      <section class="card" aria-labelledby={`${id}-schedules`}>
        <h2 id={`${id}-schedules`}>Scheduled changes</h2>
        <FlagSchedules environment={environment} flag={flag} readOnly={readOnly} />
      </section>

      <section class="card" aria-labelledby={`${id}-usage`}>
        <h2 id={`${id}-usage`}>Usage</h2>
        <FlagUsage environment={environment} flagKey={flag.key} />
      </section>

      <section class="card" aria-labelledby={`${id}-playground`}>
        <h2 id={`${id}-playground`}>Playground</h2>
        <FlagPlayground environment={environment} flagKey={flag.key} />
      </section>

      <section class="card" aria-labelledby={`${id}-history`}>
        <h2 id={`${id}-history`}>History</h2>
        <FlagHistory environment={environment} flagKey={flag.key} />
      </section>

      {archiving && (
        <ConfirmDialog
          title={`Archive ${flag.key}?`}
          danger
          busy={archive.busy}
          onCancel={() => setArchiving(false)}
          onConfirm={() => void doArchive()}
        >
          <p>
            Services reading <strong>{flag.key}</strong> in <strong>{environment}</strong> get 404 from now
            on; its history stays, and Restore brings it back as it was.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function Breadcrumb({ flagKey }: { flagKey: string }) {
  const { link } = useApp();
  return (
    <nav aria-label="Breadcrumb" class="breadcrumb">
      <a href={link('/flags')}>Flags</a>
      <span aria-hidden="true"> / </span>
      <span aria-current="page">{flagKey}</span>
    </nav>
  );
}

export function FlagScreen() {
  const { params } = useRoute();
  const { environment } = useApp();
  const flagKey = params.flagKey ?? '';
  // A new flag or environment is a new editor: no draft carries over.
  return <FlagEditor key={`${environment}/${flagKey}`} flagKey={flagKey} />;
}
