import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { type Touches, touches, useLive } from './live.ts';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Fetches again, keeping what is on screen until the answer arrives. */
  reload: () => Promise<void>;
  setData: (data: T) => void;
}

const asApiError = (err: unknown) =>
  err instanceof ApiError ? err : new ApiError(0, err instanceof Error ? err.message : String(err), '');

/**
 * Data for a screen: fetched when `key` changes and again after every live change (`live`
 * true), only those it `touches` (a predicate), or none (false). Answers that arrive after a
 * newer request started are dropped.
 */
export function useResource<T>(
  load: () => Promise<T>,
  key: string,
  live: boolean | Touches = true,
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const latest = useRef(load);
  latest.current = load;
  const sequence = useRef(0);

  const run = useCallback(async () => {
    const mine = ++sequence.current;
    try {
      const result = await latest.current();
      if (mine !== sequence.current) return;
      setData(result);
      setError(undefined);
    } catch (err) {
      if (mine !== sequence.current) return;
      setError(asApiError(err));
    } finally {
      if (mine === sequence.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    setLoading(true);
    void run();
  }, [key, run]);

  useLive(() => void run(), live === true ? touches.always : live === false ? () => false : live);

  return { data, error, loading, reload: run, setData };
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Runs an action, tracking whether it is under way and the error it ended with. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  /** `handled` may take an error over (true): then it is not shown. */
  const run = useCallback(async <T>(action: () => Promise<T>, handled?: (error: ApiError) => boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (err) {
      const error = asApiError(err);
      if (!handled?.(error)) setError(error);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** The document title for the screen on show. */
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} · Flagstone`;
  }, [title]);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const PAGE_SIZE = 50;

/**
 * A list paged by `nextCursor` with "Load more". A live refetch asks for as many items as are
 * on screen (up to the API's 200), so the pages loaded so far stay.
 */
export function usePaged<T>(
  load: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
  key: string,
  live: boolean | Touches = true,
) {
  const shown = useRef(0);
  const list = useResource(
    () => load(undefined, Math.min(200, Math.max(PAGE_SIZE, shown.current))),
    key,
    live,
  );
  shown.current = list.data?.items.length ?? 0;
  const more = useAction();

  const loadMore = async () => {
    const current = list.data;
    if (!current?.nextCursor || more.busy) return;
    const cursor = current.nextCursor;
    const page = await more.run(() => load(cursor, PAGE_SIZE));
    if (page) list.setData({ items: [...current.items, ...page.items], nextCursor: page.nextCursor });
  };

  const setItems = (items: T[]) => {
    if (list.data) list.setData({ ...list.data, items });
  };

  return {
    items: list.data?.items ?? [],
    nextCursor: list.data?.nextCursor ?? null,
    loading: list.loading,
    error: list.error,
    loadMore,
    moreBusy: more.busy,
    moreError: more.error,
    setItems,
  };
}
