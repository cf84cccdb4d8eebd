import type { PartialInputHTMLAttributes } from 'preact';

type ScalarInputProps = Omit<
  PartialInputHTMLAttributes<HTMLInputElement>,
  'type' | 'step' | 'list' | 'role'
> & {
  numeric: boolean;
};

/** A text input, or a number input taking any decimal. */
export function ScalarInput({ numeric, ...props }: ScalarInputProps) {
  return numeric ? <input {...props} type="number" step="any" /> : <input {...props} type="text" />;
}
