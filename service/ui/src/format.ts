const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));

/** "5 minutes ago" for the last week, the date beyond. */
export function formatAgo(iso: string, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86_400) return relative.format(Math.round(seconds / 86_400), 'day');
  return formatDateTime(iso);
}

/** A value as JSON on one line: strings quoted, so "1" and 1 look different. */
export const formatValue = (value: unknown) => (value === undefined ? '—' : JSON.stringify(value));

const bytes = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** The size of a text in UTF-8: "812 bytes", "14.2 kB". */
export function formatSize(text: string) {
  const size = new TextEncoder().encode(text).length;
  if (size < 1000) return `${size} ${size === 1 ? 'byte' : 'bytes'}`;
  if (size < 1_000_000) return `${bytes.format(size / 1000)} kB`;
  return `${bytes.format(size / 1_000_000)} MB`;
}

/** A datetime-local value as an ISO 8601 time; undefined when it is empty or names no time. */
export const isoOf = (local: string) => {
  const at = local ? new Date(local) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at.toISOString() : undefined;
};

/** A datetime-local value: the person's own time, minutes precision. */
export const localInput = (date: Date) => {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
};
