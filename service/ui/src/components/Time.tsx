import { formatAgo, formatDateTime } from '../format.ts';

/** A moment, relative when recent, with the exact date and time on hover. */
export function Time({ iso, exact }: { iso: string; exact?: boolean }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {exact ? formatDateTime(iso) : formatAgo(iso)}
    </time>
  );
}
