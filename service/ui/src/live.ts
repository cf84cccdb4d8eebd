// Live updates: one event stream for the environment on screen. Each event names the flags
// and segments its change wrote (or says anything may have changed: a reconnect, an import);
// the screens that listen fetch again when the change touches what they show.
import { useEffect, useRef } from 'preact/hooks';

/** What changed since listeners were last told: flags and segments by key, or everything. */
export interface Changed {
  /** Anything may have changed (a reconnect, missed events, an import): every screen fetches again. */
  everything: boolean;
  flags: ReadonlySet<string>;
  segments: ReadonlySet<string>;
}

/** Whether a change touches what a screen shows. */
export type Touches = (changed: Changed) => boolean;

/** The usual dependencies of a screen's data. */
export const touches = {
  always: (() => true) as Touches,
  anyFlag: ((c) => c.everything || c.flags.size > 0) as Touches,
  anySegment: ((c) => c.everything || c.segments.size > 0) as Touches,
  flag:
    (key: string): Touches =>
    (c) =>
      c.everything || c.flags.has(key),
  segment:
    (key: string): Touches =>
    (c) =>
      c.everything || c.segments.has(key),
  /** Touched when any of `each` is. */
  any:
    (...each: Touches[]): Touches =>
    (c) =>
      each.some((touched) => touched(c)),
};

interface StreamEvent {
  changes?: { kind: string; key: string }[] | null;
}

const listeners = new Set<(changed: Changed) => void>();
let source: EventSource | null = null;
let retry: number | undefined;
let debounce: number | undefined;
let pending = { everything: false, flags: new Set<string>(), segments: new Set<string>() };

/** Adds what `changes` names to the batch (null or absent: everything), and tells listeners soon. */
function notify(changes: StreamEvent['changes']) {
  if (!Array.isArray(changes)) pending.everything = true;
  else
    for (const { kind, key } of changes) {
      if (kind === 'flag') pending.flags.add(key);
      else if (kind === 'segment') pending.segments.add(key);
      else pending.everything = true;
    }
  // A burst of changes (one save can be several events) becomes one refetch.
  window.clearTimeout(debounce);
  debounce = window.setTimeout(() => {
    const changed = pending;
    pending = { everything: false, flags: new Set(), segments: new Set() };
    for (const listener of listeners) listener(changed);
  }, 50);
}

function changesOf(message: MessageEvent): StreamEvent['changes'] {
  try {
    return (JSON.parse(String(message.data)) as StreamEvent).changes;
  } catch {
    return null;
  }
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
    stream.onmessage = (message) => notify(changesOf(message));
    // After a broken connection, what changed meanwhile was never announced: fetch again.
    stream.onopen = () => {
      if (failed) notify(null);
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

/**
 * Calls `refetch` after the changes in the environment on screen that `touched` says concern it
 * (default: every change), while the component is mounted.
 */
export function useLive(refetch: (changed: Changed) => void, touched: Touches = touches.always) {
  const latest = useRef({ refetch, touched });
  latest.current = { refetch, touched };
  useEffect(() => {
    const listener = (changed: Changed) => {
      if (latest.current.touched(changed)) latest.current.refetch(changed);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
