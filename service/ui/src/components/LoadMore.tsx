import type { ApiError } from '../api.ts';
import { ErrorAlert } from './ErrorAlert.tsx';

/** The next page's button, while there is one. Never disabled: that would drop the keyboard focus. */
export function LoadMore({
  nextCursor,
  busy,
  error,
  onLoad,
}: {
  nextCursor: string | null;
  busy: boolean;
  error: ApiError | undefined;
  onLoad: () => void;
}) {
  return (
    <>
      <ErrorAlert error={error} />
      {nextCursor && (
        <div class="more">
          <button type="button" class="button" aria-busy={busy || undefined} onClick={onLoad}>
            Load more
          </button>
        </div>
      )}
    </>
  );
}
