import { useMutation, useQueryClient } from '@tanstack/react-query';
import { paths } from '../api/endpoints';
import { invalidatePaths } from '../api/queries';

/**
 * A write (form submit, delete, ...): its busy and error state, and once it succeeded the
 * queries under `changed` (API paths, see `changes` in api/queries.ts) go stale.
 */
export function useApiMutation<TData, TVariables = void>(
  mutationFn: (variables: TVariables) => Promise<TData>,
  changed: readonly string[] | ((variables: TVariables) => readonly string[]),
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: (_data, variables) => {
      const stale = typeof changed === 'function' ? changed(variables) : changed;
      // Every write is audited. Not awaited: the write is done, the views catch up on their own.
      void invalidatePaths(queryClient, [...stale, paths.audit]);
    },
  });
}
