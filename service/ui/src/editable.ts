// An editor's state for one versioned item (a flag, a segment): the item as saved, the draft
// being edited, and the notices around saving it.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api.ts';
import { useLive } from './live.ts';

export interface EditableOptions<T, D> {
  fetch: () => Promise<T>;
  draftOf: (item: T) => D;
  /** What `fetch` reads: the item is loaded again when they change. */
  deps: readonly unknown[];
  /** A live change that leaves the version as it is: 'keep' what is on screen, or 'refresh' the item but not the draft. */
  sameVersion: 'keep' | 'refresh';
}

/**
 * Loads the item and follows live changes: the latest is shown, unless that would throw away
 * unsaved edits; then `conflict` says so.
 */
export function useEditable<T extends { version: number }, D extends object>({
  fetch,
  draftOf,
  deps,
  sameVersion,
}: EditableOptions<T, D>) {
  const [item, setItem] = useState<T | null>(null);
  const [loadError, setLoadError] = useState<ApiError | undefined>(undefined);
  const [draft, setDraft] = useState<D | null>(null);
  const [dirty, setDirty] = useState(false);
  const [conflict, setConflict] = useState(false);
  const [status, setStatus] = useState('');
  const [refused, setRefused] = useState(false);
  const latest = useRef({ fetch, draftOf });
  latest.current = { fetch, draftOf };

  const state = useRef({ dirty, version: item?.version });
  state.current = { dirty, version: item?.version };

  const show = useCallback((loaded: T) => {
    setItem(loaded);
    setDraft(latest.current.draftOf(loaded));
    setDirty(false);
    setConflict(false);
    setRefused(false);
  }, []);

  const load = useCallback(async () => {
    try {
      show(await latest.current.fetch());
      setLoadError(undefined);
    } catch (err) {
      setLoadError(err as ApiError);
    }
  }, [...deps, show]);

  useEffect(() => {
    void load();
  }, [load]);

  useLive(async () => {
    try {
      const fetched = await latest.current.fetch();
      // Something else changed (another flag, the flags using a segment): the editors, and the focus, stay.
      if (fetched.version === state.current.version) {
        if (sameVersion === 'refresh') setItem(fetched);
      } else if (state.current.dirty) setConflict(true);
      else show(fetched);
    } catch {
      // Gone or unreachable: the next save or reload says so.
    }
  });

  const edit = (change: Partial<D>) => {
    if (draft) setDraft({ ...draft, ...change });
    setDirty(true);
    setStatus('');
    setRefused(false);
  };

  /** For `useAction().run`: a 412 (saved meanwhile by someone else) becomes the conflict notice. */
  const takeConflict = (err: ApiError) => {
    if (err.status !== 412) return false;
    setConflict(true);
    return true;
  };

  const discard = () => {
    if (item) show(item);
    setStatus('Changes discarded');
  };

  return {
    item,
    setItem,
    loadError,
    draft,
    setDraft,
    dirty,
    conflict,
    setConflict,
    status,
    setStatus,
    refused,
    setRefused,
    show,
    load,
    edit,
    takeConflict,
    discard,
  };
}
