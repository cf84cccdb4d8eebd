// A secret just made (a token's, a webhook's): shown in the page only until it is dismissed, never
// stored, with a copy button that falls back to selecting it where the clipboard is refused.
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { Status } from './ErrorAlert.tsx';

export function NewSecret({
  title,
  label,
  secret,
  onDone,
  children,
}: {
  title: ComponentChildren;
  label: string;
  secret: string;
  onDone: () => void;
  /** Why to copy it now, and what it is for. */
  children: ComponentChildren;
}) {
  const id = useId();
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied');
    } catch {
      (document.getElementById(`${id}-secret`) as HTMLInputElement | null)?.select();
      setCopied('Could not copy: the secret is selected, press Ctrl+C (⌘C) to copy it.');
    }
  };
  return (
    <section class="card card-highlight" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} class="card-title">
        {title}
      </h2>
      <p class="alert alert-warning" id={`${id}-warning`}>
        {children}
      </p>
      <div class="field">
        <label for={`${id}-secret`}>{label}</label>
        <div class="input-row">
          <input
            id={`${id}-secret`}
            type="text"
            class="code"
            readOnly
            value={secret}
            spellcheck={false}
            aria-describedby={`${id}-warning`}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" class="button button-primary" onClick={copy}>
            Copy
          </button>
        </div>
      </div>
      <Status message={copied} />
      <button type="button" class="button" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
