import { formatAgo, formatDateTime } from '../format.ts';

/** A moment, relative when recent, with the exact date and time on hover. */
export function Time({ iso, exact }: { iso: string; exact?: boolean }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {exact ? formatDateTime(iso) : formatAgo(iso)}
    </time>
  );
}

/** A moment that may not have come yet (last used, last evaluated): "never" until it has. */
export function TimeOrNever({ iso }: { iso: string | null | undefined }) {
  return iso ? <Time iso={iso} /> : <span class="muted">never</span>;
}
