import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { analyzeManifests } from '../api/endpoints';
import { blockedReason } from '../lib/riskGuard';
import { useDebounced } from './useDebounced';

/**
 * The risk guard's analysis of `text` bound for `cluster`, asked again once the text has stayed
 * the same for a moment; nothing is asked while `text` is empty. The server reads the cluster's
 * Kubernetes version, the target of the removed-API check. The last
 * analysis stays shown while the next one is asked; under the `block` policy `blocked` says why
 * Apply is off — blocking findings, or an analysis of the current text still to come.
 */
export function useRiskGuard(cluster: string, text: string, namespace?: string) {
  const settled = useDebounced(text, 600);
  const empty = text.trim() === '';
  const enabled = settled.trim() !== '';
  const report = useQuery({
    queryKey: ['risk-guard', cluster, namespace ?? '', settled],
    queryFn: () => analyzeManifests({ manifest: settled, cluster, namespace: namespace || undefined }),
    enabled,
    retry: false,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  const fresh = enabled && settled === text && !report.isPlaceholderData && !report.isFetching;
  const error = fresh ? report.error : null;
  const pending = !empty && !fresh;
  const policy = report.data?.policy;
  let blocked: string | null = null;
  if (!empty && policy === 'block') blocked = fresh ? blockedReason(policy, report.data) : 'Waiting for the risk guard…';
  return { report: empty ? undefined : report.data, error, isPending: pending, blocked };
}
