import { useId } from 'preact/hooks';

interface DetailsCardProps {
  description: string;
  disabled: boolean;
  onInput: (description: string) => void;
}

/** The description of a flag or a segment, edited in place. */
export function DetailsCard({ description, disabled, onInput }: DetailsCardProps) {
  const id = useId();
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
          onInput={(event) => onInput(event.currentTarget.value)}
        />
      </div>
    </section>
  );
}
