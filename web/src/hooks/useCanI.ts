import { useQuery } from '@tanstack/react-query';
import { canI } from '../api/endpoints';
import type { AccessCheck } from '../lib/actions';

/**
 * Whether the user may do each check, by one `POST …/can-i` (the server caches answers 30 s per
 * identity, and so does this). Until it answers, and if it fails, `results` is empty: the buttons
 * stay enabled and the server's own gates decide.
 */
export function useCanI(cluster: string, checks: readonly AccessCheck[]) {
  const query = useQuery({
    queryKey: ['can-i', cluster, checks],
    queryFn: () => canI(cluster, [...checks]),
    staleTime: 30_000,
    enabled: checks.length > 0,
  });
  return { results: query.data?.results ?? [], isPending: query.isPending && checks.length > 0 };
}
