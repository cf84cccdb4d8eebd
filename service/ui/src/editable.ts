// An editor's state for one versioned item (a flag, a segment), field by field: the item as the
// service last answered, the draft being edited, and for each field the value the person's edit
// builds on (its base). A live change takes every field the person has not touched; a touched
// field that someone else changed meanwhile is a conflict, settled at that field (theirs or
// mine) before anything is saved. A save sends the touched fields only, with If-Match on the
// version whose values the touched fields were built on, so it never overwrites unseen work.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { type Touches, useLive } from './live.ts';

export interface EditableOptions<T, D> {
  fetch: () => Promise<T>;
  /** The item's fields as the editors hold them. */
  draftOf: (item: T) => D;
  /** A field's value as the API sees it (without the editors' row ids), for comparing. */
  comparable?: (field: keyof D, value: D[keyof D]) => unknown;
  /** What `fetch` reads: the item is loaded again when they change. */
  deps: readonly unknown[];
  /** The live changes that make it fetch again (default: every change). */
  touches?: Touches;
}

interface State<T, D> {
  item: T;
  /** `draftOf(item)`, made once per answer so that the editors' row ids hold still. */
  theirs: D;
  base: D;
  draft: D;
}

/** JSON with object keys sorted: two values the API would store alike compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const fieldsOf = <D extends object>(draft: D) => Object.keys(draft) as (keyof D)[];

export function useEditable<T extends { version: number }, D extends object>({
  fetch,
  draftOf,
  comparable = (_field, value) => value,
  deps,
  touches,
}: EditableOptions<T, D>) {
  const [state, setState] = useState<State<T, D> | null>(null);
  const [loadError, setLoadError] = useState<ApiError | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [refused, setRefused] = useState(false);
  const latest = useRef({ fetch, draftOf, comparable });
  latest.current = { fetch, draftOf, comparable };
  // The state as of the last change, for the async paths that read it after an await.
  const current = useRef(state);
  const update = useCallback((next: State<T, D> | null) => {
    current.current = next;
    setState(next);
  }, []);

  const same = (field: keyof D, a: D[keyof D], b: D[keyof D]) => {
    const { comparable } = latest.current;
    return canonical(comparable(field, a)) === canonical(comparable(field, b));
  };
  const touchedIn = (s: State<T, D>) => fieldsOf(s.draft).filter((f) => !same(f, s.draft[f], s.base[f]));
  const conflictsIn = (s: State<T, D>) => touchedIn(s).filter((f) => !same(f, s.base[f], s.theirs[f]));

  /** Shows `item` as it is: every edit is dropped. */
  const show = useCallback(
    (item: T) => {
      const theirs = latest.current.draftOf(item);
      update({ item, theirs, base: theirs, draft: theirs });
      setRefused(false);
    },
    [update],
  );

  /** Takes a newer answer in: untouched fields follow it, touched ones keep the person's edit. */
  const receive = (item: T) => {
    const s = current.current;
    if (!s) return show(item);
    if (item.version < s.item.version) return;
    const theirs = latest.current.draftOf(item);
    const base = { ...s.base };
    const draft = { ...s.draft };
    for (const f of fieldsOf(theirs)) {
      if (same(f, s.draft[f], s.base[f])) {
        // Untouched: a field someone else changed is shown as it now is.
        if (!same(f, s.base[f], theirs[f])) {
          base[f] = theirs[f];
          draft[f] = theirs[f];
        }
      } else if (same(f, s.draft[f], theirs[f])) {
        // They made the same change: nothing left to save there.
        base[f] = theirs[f];
      }
    }
    update({ item, theirs, base, draft });
  };

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

  /** Fetches the item and takes it in; undefined when it cannot be read now. */
  const refresh = async () => {
    try {
      const fetched = await latest.current.fetch();
      receive(fetched);
      return fetched;
    } catch {
      // Gone or unreachable: the next save or reload says so.
      return undefined;
    }
  };

  useLive(() => void refresh(), touches);

  const edit = (change: Partial<D>) => {
    const s = current.current;
    if (s) update({ ...s, draft: { ...s.draft, ...change } });
    setStatus('');
    setRefused(false);
  };

  /** A conflict settled for their value: the person's edit of `field` is dropped. */
  const takeTheirs = (field: keyof D) => {
    const s = current.current;
    if (s)
      update({
        ...s,
        base: { ...s.base, [field]: s.theirs[field] },
        draft: { ...s.draft, [field]: s.theirs[field] },
      });
  };

  /** A conflict settled for the person's value: they have seen theirs and will replace it. */
  const keepMine = (field: keyof D) => {
    const s = current.current;
    if (s) update({ ...s, base: { ...s.base, [field]: s.theirs[field] } });
  };

  /**
   * Saves the touched fields with `send`. When someone saved first (412), the latest is taken
   * in; if none of their changes touch the person's fields the save is made again on it,
   * else the conflicts are shown and nothing is sent (undefined).
   */
  const commit = async (send: (fields: Partial<D>, version: number) => Promise<T>) => {
    const attempt = async (s: State<T, D>) => {
      const fields: Partial<D> = {};
      for (const f of touchedIn(s)) fields[f] = s.draft[f];
      const saved = await send(fields, s.item.version);
      show(saved);
      return saved;
    };
    const s = current.current;
    if (!s) return undefined;
    try {
      return await attempt(s);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 412) throw err;
      const fetched = await latest.current.fetch();
      receive(fetched);
      const now = current.current;
      if (!now || conflictsIn(now).length > 0) return undefined;
      // They made the very changes: nothing is left to send.
      if (touchedIn(now).length === 0) return now.item;
      return await attempt(now);
    }
  };

  const discard = () => {
    const s = current.current;
    if (s) show(s.item);
    setStatus('Changes discarded');
  };

  const touched = state ? touchedIn(state) : [];
  const conflicts = state ? conflictsIn(state) : [];
  return {
    item: state?.item ?? null,
    draft: state?.draft ?? null,
    loadError,
    dirty: touched.length > 0,
    /** Touched fields someone else changed meanwhile, to settle before saving. */
    conflicts,
    status,
    setStatus,
    refused,
    setRefused,
    show,
    receive,
    load,
    refresh,
    edit,
    takeTheirs,
    keepMine,
    commit,
    discard,
  };
}
