import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { formatValue } from '../format.ts';
import { useAction } from '../hooks.ts';
import type { Evaluation } from '../types.ts';

/** Evaluates the saved flag for a context, as an OpenFeature client in this environment would. */
export function FlagPlayground({ environment, flagKey }: { environment: string; flagKey: string }) {
  const id = useId();
  const [targetingKey, setTargetingKey] = useState('');
  const [contextText, setContextText] = useState('{\n  "country": "de"\n}');
  const [problem, setProblem] = useState('');
  const [result, setResult] = useState<Evaluation | null>(null);
  const { busy, error, run } = useAction();

  const evaluate = async (event: Event) => {
    event.preventDefault();
    setProblem('');
    // An answer stays beside nothing but the context it answered.
    setResult(null);
    let attributes: unknown;
    try {
      attributes = contextText.trim() === '' ? {} : JSON.parse(contextText);
    } catch (err) {
      setProblem(`Context (JSON) is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
      setProblem('Context (JSON) must be an object, e.g. {"country": "de"}');
      return;
    }
    const context: Record<string, unknown> = { ...attributes };
    if (targetingKey !== '') context.targetingKey = targetingKey;
    // OFREP answers a failed evaluation (400, 404) with its own shape: that is a result to show.
    const answer = await run(
      () => api.flags.evaluate(environment, flagKey, context),
      (err) => {
        if (typeof err.body?.errorCode !== 'string') return false;
        setResult(err.body as unknown as Evaluation);
        return true;
      },
    );
    if (answer) setResult(answer);
  };

  return (
    <form class="playground" onSubmit={evaluate}>
      <div class="playground-inputs">
        <div class="field">
          <label for={`${id}-key`}>Targeting key</label>
          <input
            id={`${id}-key`}
            type="text"
            value={targetingKey}
            placeholder="e.g. user-42"
            spellcheck={false}
            onInput={(event) => setTargetingKey(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-context`}>Context (JSON)</label>
          <textarea
            id={`${id}-context`}
            class="code"
            rows={5}
            value={contextText}
            spellcheck={false}
            aria-describedby={`${id}-context-hint`}
            onInput={(event) => setContextText(event.currentTarget.value)}
          />
          <p id={`${id}-context-hint`} class="hint">
            Attributes the rules look at; the targeting key above is added as <code>targetingKey</code>.
          </p>
        </div>
        <ErrorAlert error={problem || error} />
        <div>
          <button type="submit" class="button button-primary" aria-busy={busy || undefined}>
            Evaluate
          </button>
        </div>
      </div>
      <div class="playground-result" aria-live="polite">
        {result === null ? (
          <p class="muted">Evaluate to see what this flag serves for the context.</p>
        ) : (
          <dl class="result">
            {result.errorCode !== undefined ? (
              <>
                <dt>Error code</dt>
                <dd>
                  <code>{result.errorCode}</code>
                </dd>
                <dt>Error details</dt>
                <dd>{result.errorDetails}</dd>
              </>
            ) : (
              <>
                <dt>Value</dt>
                <dd>
                  {'value' in result ? (
                    <code>{formatValue(result.value)}</code>
                  ) : (
                    <span class="muted">none: the caller's code default applies</span>
                  )}
                </dd>
                <dt>Variant</dt>
                <dd>{result.variant ?? <span class="muted">none</span>}</dd>
                <dt>Reason</dt>
                <dd>
                  <span class="badge badge-reason">{result.reason}</span>
                </dd>
              </>
            )}
          </dl>
        )}
      </div>
    </form>
  );
}
