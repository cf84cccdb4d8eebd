// Promote a flag: choose where from and where to, see what each target would get (the flag's and
// each segment's before/after, and the other flags a segment change affects there), then apply
// exactly that preview: the service refuses the apply where anything changed since.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useApp } from '../context.ts';
import { useAction } from '../hooks.ts';
import type { FlagEnvironment, PromotionReport, PromotionTarget } from '../types.ts';
import { Diff } from './Diff.tsx';
import { ErrorAlert } from './ErrorAlert.tsx';
import { Modal } from './Modal.tsx';

const OUTCOMES: Record<PromotionTarget['outcome'], string> = {
  'would-apply': 'would change',
  'would-propose': 'protected: would become a change request',
  unchanged: 'already the same: nothing to do',
  applied: 'changed',
  proposed: 'change request made',
  failed: 'failed: nothing written there',
};

const WHAT: Record<string, string> = { create: 'created', change: 'changed', unchanged: 'unchanged' };

function TargetDiff({ flagKey, target }: { flagKey: string; target: PromotionTarget }) {
  const id = useId();
  return (
    <section class="promote-target" aria-labelledby={id}>
      <h3 id={id}>
        {target.environment}: {OUTCOMES[target.outcome]}
      </h3>
      {target.error && <ErrorAlert error={target.error.message} />}
      <p>
        Flag {flagKey}: {WHAT[target.flag.action]}
      </p>
      {target.flag.action !== 'unchanged' && (
        <Diff
          before={target.flag.before}
          after={target.flag.after}
          label={`Changes to ${flagKey} in ${target.environment}`}
        />
      )}
      {target.segments.map((segment) => (
        <div key={segment.key}>
          <p>
            Segment {segment.key}: {WHAT[segment.action]}
            {segment.usedBy.length > 0 && (
              <strong>
                {' '}
                (also used by {segment.usedBy.join(', ')} in {target.environment}: they change too)
              </strong>
            )}
          </p>
          {segment.action !== 'unchanged' && (
            <Diff
              before={segment.before}
              after={segment.after}
              label={`Changes to segment ${segment.key} in ${target.environment}`}
            />
          )}
        </div>
      ))}
    </section>
  );
}

export function PromoteDialog({
  flagKey,
  environments,
  mayChange,
  onClose,
  onPromoted,
}: {
  flagKey: string;
  environments: FlagEnvironment[];
  /** Whether the session may change `environment`: only those are offered as targets. */
  mayChange: (environment: string) => boolean;
  onClose: () => void;
  onPromoted: (message: string) => void;
}) {
  const id = useId();
  const { environment } = useApp();
  const sources = environments.filter((row) => row.exists && !row.archived);
  // From the environment on screen, when the flag is there.
  const onScreen = sources.find((row) => row.environment === environment);
  const [from, setFrom] = useState((onScreen ?? sources[0])?.environment ?? '');
  const [to, setTo] = useState<string[]>([]);
  const [includeState, setIncludeState] = useState(false);
  const [preview, setPreview] = useState<PromotionReport | null>(null);
  const action = useAction();
  const targets = environments.filter((row) => row.environment !== from && mayChange(row.environment));

  /** A new choice makes the preview outdated. */
  const choose = (change: () => void) => {
    change();
    setPreview(null);
    action.setError(undefined);
  };

  const previewIt = async () => {
    const report = await action.run(() =>
      api.flags.promote(flagKey, { from, to, dryRun: true, includeState }),
    );
    if (report) setPreview(report);
  };

  const apply = async () => {
    if (!preview) return;
    const report = await action.run(
      () =>
        api.flags.promote(flagKey, {
          from,
          to,
          dryRun: false,
          includeState,
          expectedVersions: preview.expectedVersions,
        }),
      (error) => {
        // Something changed since the preview: the error says what; preview again to see it.
        if (error.code === 'PROMOTION_STALE') setPreview(null);
        return false;
      },
    );
    if (report) onPromoted(report.message);
  };

  const changes = preview?.targets.some((target) => target.outcome !== 'unchanged') ?? false;

  return (
    <Modal title={`Promote ${flagKey}`} onClose={onClose} initialFocus="select">
      <div class="modal-body">
        <div class="field">
          <label for={`${id}-from`}>From</label>
          <select
            id={`${id}-from`}
            value={from}
            onChange={(event) => {
              const value = event.currentTarget.value;
              choose(() => {
                setFrom(value);
                setTo(to.filter((name) => name !== value));
              });
            }}
          >
            {sources.map((row) => (
              <option key={row.environment} value={row.environment}>
                {row.environment}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="field">
          <legend>To</legend>
          {targets.map((row) => (
            <label key={row.environment} class="check">
              <input
                type="checkbox"
                checked={to.includes(row.environment)}
                onChange={(event) => {
                  const checked = event.currentTarget.checked;
                  choose(() =>
                    setTo(checked ? [...to, row.environment] : to.filter((name) => name !== row.environment)),
                  );
                }}
              />
              {row.environment}
              {row.protected ? ' (protected: becomes a change request)' : ''}
            </label>
          ))}
        </fieldset>
        <label class="check">
          <input
            type="checkbox"
            checked={includeState}
            onChange={(event) => {
              const checked = event.currentTarget.checked;
              choose(() => setIncludeState(checked));
            }}
          />
          Copy on/off too (by default each environment keeps its own; a new flag starts off)
        </label>
        <ErrorAlert error={action.error} />
        {preview && (
          <div class="promote-preview">
            {preview.targets.map((target) => (
              <TargetDiff key={target.environment} flagKey={flagKey} target={target} />
            ))}
          </div>
        )}
      </div>
      <div class="modal-actions">
        <button type="button" class="button" onClick={onClose}>
          Cancel
        </button>
        {preview && changes ? (
          <button
            type="button"
            class="button button-primary"
            disabled={action.busy}
            onClick={() => void apply()}
          >
            Promote to {to.join(', ')}
          </button>
        ) : (
          <button
            type="button"
            class="button button-primary"
            disabled={action.busy || from === '' || to.length === 0}
            onClick={() => void previewIt()}
          >
            Preview changes
          </button>
        )}
      </div>
    </Modal>
  );
}
