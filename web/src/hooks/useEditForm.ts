import { useState, type FormEvent } from 'react';
import type { Checked } from '../lib/forms';
import { useApiMutation } from './useApiMutation';

/**
 * A form that creates a thing or, given the `id` of an existing one, replaces it: the draft, the
 * problem `check` found before anything was sent, the server's refusal, and `submit`.
 */
export function useEditForm<D, I, T>(options: {
  initial: D;
  id?: string;
  check: (draft: D) => Checked<I>;
  create: (input: I) => Promise<T>;
  /** Needed with `id`. */
  update?: (args: { id: string; input: I }) => Promise<T>;
  changed: readonly string[];
  onDone: () => void;
}) {
  const { id, check, onDone } = options;
  const [draft, setDraft] = useState<D>(options.initial);
  const [problem, setProblem] = useState<string | null>(null);
  const create = useApiMutation(options.create, options.changed);
  const update = useApiMutation(options.update ?? (() => Promise.reject(new Error('this form only creates'))), options.changed);
  const set = <K extends keyof D>(key: K, value: D[K]) => setDraft((d) => ({ ...d, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = check(draft);
    if ('error' in checked) {
      setProblem(checked.error);
      return;
    }
    setProblem(null);
    if (id) update.mutate({ id, input: checked.input }, { onSuccess: onDone });
    else create.mutate(checked.input, { onSuccess: onDone });
  }

  return {
    draft,
    set,
    problem,
    error: create.error ?? update.error,
    saving: create.isPending || update.isPending,
    submit,
  };
}
