// Bringing a flagd flag-definition document into an environment: a dry run first, which lists what
// would be created and changed (each change as a before/after diff), what stays, what Flagstone
// cannot hold (refusals) and notes; then the import, one revision, allowed only after a dry run of
// the same document without refusals, while the environment has not changed since.
import { useId, useState } from 'preact/hooks';
import { type ApiError, api } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Diff } from '../components/Diff.tsx';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { useApp } from '../context.ts';
import { useAction } from '../hooks.ts';
import { useLive } from '../live.ts';
import type { FlagdImportKind, FlagdImportResult, FlagdRefusal } from '../types.ts';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function Subject({ kind, subject }: { kind: FlagdImportKind; subject: string }) {
  const { link } = useApp();
  return (
    <>
      {kind}{' '}
      <a
        href={link(`/${kind === 'flag' ? 'flags' : 'segments'}/${encodeURIComponent(subject)}`)}
        class="code"
      >
        {subject}
      </a>
    </>
  );
}

function Refusals({ refusals }: { refusals: FlagdRefusal[] }) {
  return (
    <div class="flagd-refusals">
      <p class="alert alert-error">
        {count(refusals.length, 'construct')} Flagstone cannot hold: nothing can be imported until the
        document leaves {refusals.length === 1 ? 'it' : 'them'} out.
      </p>
      <DataTable
        caption="Refusals"
        columns={['Flag', 'Construct', 'Path', 'Message']}
        what="refusals"
        loading={false}
      >
        {refusals.map((refusal) => (
          <tr key={`${refusal.flag} ${refusal.path}`}>
            <th scope="row" class="cell-key">
              {refusal.flag}
            </th>
            <td>
              <code class="code">{refusal.construct}</code>
            </td>
            <td>
              <code class="code">{refusal.path}</code>
            </td>
            <td>{refusal.message}</td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

/** What a dry run found, or what an import did: `applied` names the result as done. */
function Plan({ result, applied }: { result: FlagdImportResult; applied: boolean }) {
  const id = useId();
  const { creates, changes, unchanged, refusals, notes } = result;
  return (
    <section class="flagd-plan" aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>
        {applied ? `Imported into ${result.environment}: revision ${result.revision}` : 'Dry run'}
      </h4>
      <p class="muted">
        {count(creates.length, applied ? 'created' : 'to create', applied ? 'created' : 'to create')} ·{' '}
        {count(changes.length, applied ? 'changed' : 'to change', applied ? 'changed' : 'to change')} ·{' '}
        {unchanged.length} unchanged · {count(refusals.length, 'refusal')}
      </p>
      {refusals.length > 0 && <Refusals refusals={refusals} />}
      {creates.length > 0 && (
        <>
          <h5>{applied ? 'Created' : 'Creates'}</h5>
          <ul class="flagd-keys" aria-label={applied ? 'Created' : 'Creates'}>
            {creates.map((item) => (
              <li key={`${item.kind} ${item.key}`}>
                {applied ? (
                  <Subject kind={item.kind} subject={item.key} />
                ) : (
                  <>
                    {item.kind} <code class="code">{item.key}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {changes.length > 0 && (
        <>
          <h5>{applied ? 'Changed' : 'Changes'}</h5>
          <ol class="events">
            {changes.map((change) => (
              <li key={`${change.kind} ${change.key}`} class="event">
                <div class="event-head">
                  <Subject kind={change.kind} subject={change.key} />
                </div>
                <Diff
                  before={change.before}
                  after={change.after}
                  label={`Changes of ${change.kind} ${change.key}`}
                />
              </li>
            ))}
          </ol>
        </>
      )}
      {notes.length > 0 && (
        <>
          <h5>Notes</h5>
          <ul class="flagd-notes" aria-label="Notes">
            {notes.map((note) => (
              <li key={`${note.flag} ${note.message}`}>
                <code class="code">{note.flag}</code>: {note.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The document in the text area, parsed; a message when it is not JSON. */
function parse(text: string): { document: unknown } | { problem: string } {
  if (!text.trim()) return { problem: 'Paste a flagd document or choose a file first.' };
  try {
    return { document: JSON.parse(text) };
  } catch (err) {
    return { problem: `This is not JSON: ${(err as Error).message}. A flagd document is a JSON object.` };
  }
}

const refusalsOf = (error: ApiError) =>
  error.code === 'FLAGD_IMPORT_REFUSED' && Array.isArray(error.body?.refusals)
    ? (error.body.refusals as FlagdRefusal[])
    : undefined;

export function FlagdImport({ environment }: { environment: string }) {
  const id = useId();
  const { readOnly } = useApp();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState('');
  // The dry run on show, with the text it was run on and whether the environment changed since.
  const [dry, setDry] = useState<{ result: FlagdImportResult; text: string; stale: boolean } | null>(null);
  const [applied, setApplied] = useState<FlagdImportResult | null>(null);
  const [refused, setRefused] = useState<FlagdRefusal[] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [status, setStatus] = useState('');
  const action = useAction();

  useLive(() => setDry((current) => (current && !current.stale ? { ...current, stale: true } : current)));

  const edit = (next: string) => {
    setText(next);
    setProblem('');
  };

  const onFile = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    edit(await file.text());
    setStatus(`Read ${file.name}`);
  };

  const dryRun = async () => {
    setStatus('');
    setApplied(null);
    setRefused(null);
    const parsed = parse(text);
    if ('problem' in parsed) {
      setProblem(parsed.problem);
      document.getElementById(`${id}-document`)?.focus();
      return;
    }
    const result = await action.run(() => api.flagd.import(environment, parsed.document, true));
    if (!result) return;
    setDry({ result, text, stale: false });
    setStatus(
      `Dry run: ${count(result.creates.length, 'create')}, ${count(result.changes.length, 'change')}, ${count(result.refusals.length, 'refusal')}`,
    );
  };

  const apply = async () => {
    setConfirming(false);
    const parsed = parse(text);
    if (!dry || 'problem' in parsed) return;
    setStatus('');
    const result = await action.run(
      () => api.flagd.import(environment, parsed.document, false),
      (error) => {
        const refusals = refusalsOf(error);
        if (!refusals) return false;
        // The service found what the dry run did not: that dry run no longer holds.
        setRefused(refusals);
        setDry(null);
        return true;
      },
    );
    if (!result) return;
    setDry(null);
    setApplied(result);
    setStatus(`Imported into ${environment}: revision ${result.revision}`);
  };

  const current = dry && dry.text === text ? dry : null;
  const changes = current ? current.result.creates.length + current.result.changes.length : 0;
  const importable = !!current && !current.stale && current.result.refusals.length === 0 && changes > 0;
  const why = readOnly
    ? 'A read session cannot import.'
    : !current
      ? dry
        ? 'The document changed since the dry run: run it again.'
        : 'Run a dry run first: the import is allowed once it finds nothing to refuse.'
      : current.stale
        ? `${environment} changed since this dry run: run it again before importing.`
        : current.result.refusals.length > 0
          ? 'The dry run found constructs Flagstone cannot hold.'
          : changes === 0
            ? `Nothing to import: ${environment} already holds this document.`
            : '';

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} class="card-title">
        Import
      </h3>
      <p class="hint">
        Brings a flagd flag-definition document into {environment}: flags and their targeting are created or
        changed, in one revision; flags and segments the document does not mention stay as they are. A
        construct Flagstone cannot hold is refused by name, and then nothing is written.
      </p>
      <div class="field">
        <label for={`${id}-file`}>flagd document file</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".json,application/json"
          disabled={readOnly}
          onChange={onFile}
        />
      </div>
      <div class="field">
        <label for={`${id}-document`}>flagd document (JSON)</label>
        <textarea
          id={`${id}-document`}
          class="code flagd-document"
          rows={10}
          spellcheck={false}
          value={text}
          disabled={readOnly}
          placeholder='{ "flags": { … } }'
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onInput={(event) => edit(event.currentTarget.value)}
        />
        {problem && (
          <p id={`${id}-problem`} class="field-error">
            {problem}
          </p>
        )}
      </div>
      <div class="flagd-actions">
        <button type="button" class="button" disabled={readOnly || action.busy} onClick={dryRun}>
          Dry run
        </button>
        <button
          type="button"
          class="button button-primary"
          disabled={!importable || readOnly || action.busy}
          aria-describedby={why ? `${id}-why` : undefined}
          onClick={() => (environment === 'production' ? setConfirming(true) : void apply())}
        >
          Import
        </button>
      </div>
      {why && (
        <p id={`${id}-why`} class="hint">
          {why}
        </p>
      )}
      <ErrorAlert error={action.error} />
      {refused && (
        <>
          <p role="alert" class="alert alert-error">
            The import was refused and nothing was written: the document holds what Flagstone cannot.
          </p>
          <Refusals refusals={refused} />
        </>
      )}
      <Status message={status} />
      {current && <Plan result={current.result} applied={false} />}
      {applied && <Plan result={applied} applied />}
      {confirming && current && (
        <ConfirmDialog
          title={`Import into ${environment}?`}
          busy={action.busy}
          onCancel={() => setConfirming(false)}
          onConfirm={() => void apply()}
        >
          <p>
            This creates {count(current.result.creates.length, 'flag or segment', 'flags or segments')} and
            changes {count(current.result.changes.length, 'flag or segment', 'flags or segments')} in{' '}
            <strong>{environment}</strong>, in one revision. Services reading {environment} get them at once.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
