import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface DetailsCardProps {
  description: string;
  disabled: boolean;
  onInput: (description: string) => void;
  /** A note about the description (a conflict), tied to the field as its description. */
  note?: (id: string) => ComponentChildren;
}

/** The description of a flag or a segment, edited in place. */
export function DetailsCard({ description, disabled, onInput, note }: DetailsCardProps) {
  const id = useId();
  const noted = note?.(`${id}-note`);
  return (
    <section class="card" aria-labelledby={`${id}-details`}>
      <h2 id={`${id}-details`}>Details</h2>
      <div class="field">
        <label for={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          rows={2}
          maxLength={1000}
          value={description}
          disabled={disabled}
          aria-describedby={noted ? `${id}-note` : undefined}
          onInput={(event) => onInput(event.currentTarget.value)}
        />
        {noted}
      </div>
    </section>
  );
}
