// A page for the editors' component tests (service/test/browser/ui-editors.test.ts): mounts the
// rule or split editor the way the flag page does, holding its value and recording every change.
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { RuleEditor } from '../src/editors/RuleEditor.tsx';
import { SplitEditor } from '../src/editors/SplitEditor.tsx';
import type { Rule, Split } from '../src/types.ts';

interface Mount {
  variants: string[];
  segments?: string[];
  disabled?: boolean;
}
type Change<T> = { value: T; valid: boolean };

declare global {
  interface Window {
    changes: Change<unknown>[];
    mountSplit(split: Split, options: Mount): void;
    mountRule(rule: Rule, options: Mount): void;
  }
}

window.changes = [];
const root = document.body.appendChild(document.createElement('main'));

function Host<T>({
  initial,
  editor,
}: {
  initial: T;
  editor: (value: T, set: (next: T, valid: boolean) => void) => preact.JSX.Element;
}) {
  const [value, setValue] = useState(initial);
  return editor(value, (next, valid) => {
    window.changes.push({ value: next, valid });
    setValue(next);
  });
}

window.mountSplit = (split, { variants, disabled }) =>
  render(
    <Host
      initial={split}
      editor={(value, set) => (
        <SplitEditor split={value} variants={variants} disabled={disabled} onChange={set} />
      )}
    />,
    root,
  );

window.mountRule = (rule, { variants, segments = [], disabled }) =>
  render(
    <Host
      initial={rule}
      editor={(value, set) => (
        <RuleEditor rule={value} variants={variants} segments={segments} disabled={disabled} onChange={set} />
      )}
    />,
    root,
  );
