// Live updates: one event stream for the environment on screen. Every change in that
// environment (from any instance, any client) makes the screens that listen fetch again.
import { useEffect, useRef } from 'preact/hooks';

const listeners = new Set<() => void>();
let source: EventSource | null = null;
let retry: number | undefined;
let debounce: number | undefined;

function notify() {
  // A burst of changes (one save can be several events) becomes one refetch.
  window.clearTimeout(debounce);
  debounce = window.setTimeout(() => {
    for (const listener of listeners) listener();
  }, 50);
}

/**
 * Follows the environment's changes. `stillSignedIn` is asked when the server refuses the
 * stream (a session that ended, a revoked token): false stops following.
 */
export function connectLive(environment: string, stillSignedIn: () => Promise<boolean>) {
  disconnectLive();
  let failed = false;
  const open = () => {
    const stream = new EventSource(`/api/admin/events?environment=${encodeURIComponent(environment)}`);
    source = stream;
    stream.onmessage = notify;
    // After a broken connection, what changed meanwhile was never announced: fetch again.
    stream.onopen = () => {
      if (failed) notify();
      failed = false;
    };
    stream.onerror = () => {
      failed = true;
      // The browser retries a dropped stream by itself, but not one the server refused.
      if (stream.readyState !== EventSource.CLOSED) return;
      retry = window.setTimeout(async () => {
        if (source === stream && (await stillSignedIn()) && source === stream) open();
      }, 2000);
    };
  };
  open();
}

export function disconnectLive() {
  window.clearTimeout(retry);
  window.clearTimeout(debounce);
  source?.close();
  source = null;
}

/** Calls `refetch` after every change in the environment on screen while the component is mounted. */
export function useLive(refetch: () => void) {
  const latest = useRef(refetch);
  latest.current = refetch;
  useEffect(() => {
    const listener = () => latest.current();
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
