import { Time } from './Time.tsx';

/** When a flag was last evaluated, relative; "never" when it has not been. */
export function LastEvaluated({ iso }: { iso: string | null | undefined }) {
  return iso ? <Time iso={iso} /> : <span class="muted">never</span>;
}
