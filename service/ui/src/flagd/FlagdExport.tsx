// The environment as a flagd flag-definition document: its size and revision, and a download.
// The web UI's session reaches the admin API only, so the document comes from its export route
// (the same document as GET /api/config/flagd) and is saved from memory.
import { useId, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorAlert, Status } from '../components/ErrorAlert.tsx';
import { formatSize } from '../format.ts';
import { useAction, useResource } from '../hooks.ts';

interface Summary {
  text: string;
  revision: string;
  flags: number;
}

function summarize(text: string): Summary {
  const document = JSON.parse(text) as { flags?: Record<string, unknown>; metadata?: { version?: string } };
  return {
    text,
    revision: document.metadata?.version ?? '?',
    flags: Object.keys(document.flags ?? {}).length,
  };
}

/** Hands `text` to the browser as a file download. */
function save(text: string, filename: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // The download has started from the click; the URL is not needed after it.
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function FlagdExport({ environment }: { environment: string }) {
  const id = useId();
  const current = useResource(async () => summarize(await api.flagd.export(environment)), environment);
  const download = useAction();
  const [status, setStatus] = useState('');

  const onDownload = async () => {
    setStatus('');
    // Fetched again at the click, so the file is the environment as it is now.
    const fresh = await download.run(async () => summarize(await api.flagd.export(environment)));
    if (!fresh) return;
    current.setData(fresh);
    const filename = `flagd-${environment}.json`;
    save(fresh.text, filename);
    setStatus(`Downloaded ${filename} (revision ${fresh.revision})`);
  };

  const data = current.data;
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} class="card-title">
        Export
      </h3>
      <p class="hint">
        Every live flag of {environment} as a flagd flag-definition document, for a flagd daemon or a
        provider's offline file. Services fetch the same document with a read token from{' '}
        <code class="code">GET /api/config/flagd?environment={environment}</code>.
      </p>
      <ErrorAlert error={current.error} />
      <dl class="result flagd-summary">
        <dt>Flags</dt>
        <dd>{data ? data.flags : '…'}</dd>
        <dt>Size</dt>
        <dd>{data ? formatSize(data.text) : '…'}</dd>
        <dt>Revision</dt>
        <dd>{data ? data.revision : '…'}</dd>
      </dl>
      <div class="flagd-actions">
        <button type="button" class="button button-primary" disabled={download.busy} onClick={onDownload}>
          Download flagd document
        </button>
      </div>
      <ErrorAlert error={download.error} />
      <Status message={status} />
    </section>
  );
}
