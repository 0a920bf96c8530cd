import { useCallback, useEffect, useState } from 'react';
import { ApiError, apiRequest, toApiError } from '../api/client';

interface Result<T> {
  key: string;
  data?: T;
  headers?: Headers;
  text?: string;
  error?: ApiError;
}

export interface ApiState<T> {
  /** The latest data received (kept while a reload or a new path loads). */
  data: T | undefined;
  headers: Headers | undefined;
  /** The raw body text that `data` was parsed from. */
  text: string | undefined;
  /** The error of the latest finished request, if it failed. */
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing yet) and tracks loading and error state; refetches when it changes. */
export function useApi<T>(path: string | null): ApiState<T> {
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<Result<T> | null>(null);
  const key = path === null ? null : `${generation} ${path}`;

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    const requestKey = `${generation} ${path}`;
    apiRequest<T>(path, { signal: controller.signal }).then(
      (res) => setResult({ key: requestKey, data: res.data, headers: res.headers, text: res.text }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setResult((prev) => ({ ...prev, key: requestKey, error: toApiError(err) }));
      },
    );
    return () => controller.abort();
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const current = result !== null && result.key === key;

  return {
    data: result?.data,
    headers: result?.headers,
    text: result?.text,
    error: current ? result.error : undefined,
    loading: key !== null && !current,
    reload,
  };
}

export interface ActionState {
  busy: boolean;
  error: ApiError | undefined;
  /** Runs `action`; answers its result, or undefined when it failed (the error is kept). */
  run: <R>(action: () => Promise<R>) => Promise<R | undefined>;
  clearError: () => void;
}

/** Busy and error state of a write (form submit, delete, ...). */
export function useAction(): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);

  const run = useCallback(async <R,>(action: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (err) {
      setError(toApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);

  const clearError = useCallback(() => setError(undefined), []);
  return { busy, error, run, clearError };
}
