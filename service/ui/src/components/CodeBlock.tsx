import { useId, useState } from 'preact/hooks';
import { Status } from './ErrorAlert.tsx';

/** Code to copy into a program: shown as it is, with a Copy button that says whether it worked. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  const id = useId();
  const [copied, setCopied] = useState('');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(`Copied the ${label}`);
    } catch {
      // Without clipboard access (plain HTTP, a denied permission): select it for Ctrl+C.
      const block = document.getElementById(id);
      if (block) window.getSelection()?.selectAllChildren(block);
      setCopied('Could not copy: the code is selected, press Ctrl+C (⌘C) to copy it.');
    }
  };

  return (
    <div class="code-block">
      <pre id={id}>
        <code>{code}</code>
      </pre>
      <button
        type="button"
        class="button button-small code-block-copy"
        onClick={copy}
        aria-label={`Copy the ${label}`}
      >
        Copy
      </button>
      <Status message={copied} />
    </div>
  );
}
