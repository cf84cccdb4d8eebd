import type { ComponentChildren } from 'preact';

interface PageHeadProps {
  title: string;
  /** The title is a key (a flag's, a segment's): set in the monospace face. */
  isKey?: boolean;
  /** The line under the title. */
  children: ComponentChildren;
  /** The screen's buttons, beside the title. */
  actions?: ComponentChildren;
  /** The screen's primary button, "New flag" and the like; none where the session cannot use it. */
  create?: { label: string; onClick: () => void };
}

/** A screen's heading: its one h1, a line about it, and its actions. */
export function PageHead({ title, isKey, children, actions, create }: PageHeadProps) {
  return (
    <div class="page-head">
      <div>
        <h1 class={isKey ? 'title-key' : undefined}>{title}</h1>
        <p class="muted">{children}</p>
      </div>
      {actions}
      {create && (
        <button type="button" class="button button-primary" onClick={create.onClick}>
          {create.label}
        </button>
      )}
    </div>
  );
}
