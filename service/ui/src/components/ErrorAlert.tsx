import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.ts';

/** The service's message, verbatim, where the action happened. */
export function ErrorAlert({
  error,
  children,
}: {
  error: ApiError | string | undefined;
  children?: ComponentChildren;
}) {
  if (!error) return null;
  return (
    <div role="alert" class="alert alert-error">
      <span>{typeof error === 'string' ? error : error.message}</span>
      {children}
    </div>
  );
}

/** A polite announcement of what just happened ("Saved"); always in the page, so it is announced. */
export function Status({ message }: { message: string }) {
  return (
    <p role="status" class={message ? 'status status-shown' : 'status'}>
      {message}
    </p>
  );
}
