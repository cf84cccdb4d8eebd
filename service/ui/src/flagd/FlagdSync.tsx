// Where a flagd in-process provider syncs this environment from: the sync service's host, port and
// selector, a snippet per language, and whether the environment needs a token.
import { useId, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { CodeBlock } from '../components/CodeBlock.tsx';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useResource } from '../hooks.ts';
import { LANGUAGES, type Language, type SyncTarget, snippet } from './snippets.ts';

/** One tab per language (the ARIA tabs pattern: arrow keys move between them). */
function Snippets({ target }: { target: SyncTarget }) {
  const id = useId();
  const [language, setLanguage] = useState<Language>('Node');
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  const onKeyDown = (event: KeyboardEvent) => {
    const at = LANGUAGES.indexOf(language);
    const to =
      event.key === 'ArrowRight'
        ? (at + 1) % LANGUAGES.length
        : event.key === 'ArrowLeft'
          ? (at + LANGUAGES.length - 1) % LANGUAGES.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? LANGUAGES.length - 1
              : -1;
    if (to < 0) return;
    event.preventDefault();
    setLanguage(LANGUAGES[to]!);
    tabs.current[to]?.focus();
  };

  return (
    <div class="tabs">
      <div role="tablist" aria-label="Provider language" class="tab-list">
        {LANGUAGES.map((name, i) => (
          <button
            key={name}
            ref={(element) => {
              tabs.current[i] = element;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${name}`}
            class="tab"
            aria-selected={name === language}
            aria-controls={`${id}-panel`}
            tabIndex={name === language ? 0 : -1}
            onClick={() => setLanguage(name)}
            onKeyDown={onKeyDown}
          >
            {name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${language}`} class="tab-panel">
        <CodeBlock code={snippet(language, target)} label={`${language} provider settings`} />
      </div>
    </div>
  );
}

export function FlagdSync({ environment }: { environment: string }) {
  const id = useId();
  const settings = useResource(() => api.flagd.sync(environment), environment, false);
  const data = settings.data;
  const host = window.location.hostname;
  const open = data?.openEnvironments.includes(environment) ?? false;

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} class="card-title">
        Sync for in-process providers
      </h3>
      <p class="hint">
        flagd's in-process providers keep this environment's flags in memory, decide every flag without a
        network call, and get each change pushed from Flagstone's sync service (gRPC).
      </p>
      <ErrorAlert error={settings.error} />
      {settings.loading && <p class="muted">Loading sync settings…</p>}
      {data && data.port === null && (
        <p class="alert alert-info">
          The sync service is off. Set SYNC_PORT (e.g. 8015) on the service to turn it on.
        </p>
      )}
      {data && data.port !== null && (
        <>
          <dl class="result flagd-summary">
            <dt>Host</dt>
            <dd>
              <code class="code">{host}</code>
            </dd>
            <dt>Port</dt>
            <dd>
              <code class="code">{data.port}</code>
            </dd>
            <dt>Selector</dt>
            <dd>
              <code class="code">{data.selector}</code>
            </dd>
            <dt>Access</dt>
            <dd>{open ? 'Open: no token needed' : 'A read token'}</dd>
          </dl>
          {open ? (
            <p class="alert alert-warning">
              <span>
                {environment} is open (SYNC_OPEN_ENVIRONMENTS): anyone who reaches the sync port gets its
                flags without a token. Keep that port on a network you trust.
              </span>
            </p>
          ) : (
            <p class="alert alert-info">
              <span>
                {environment} needs a read token, sent as the call's <code class="code">authorization</code>{' '}
                metadata (<code class="code">Bearer &lt;token&gt;</code>); the Go and Java providers can add
                it through a gRPC interceptor or dial option. The JavaScript provider cannot send one: it
                syncs only environments listed in SYNC_OPEN_ENVIRONMENTS, which are for trusted networks.
              </span>
            </p>
          )}
          <Snippets target={{ host, port: data.port, selector: data.selector }} />
        </>
      )}
    </section>
  );
}
