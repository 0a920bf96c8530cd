import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { analyzeManifests, dashboardPath } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { Dashboard } from '../api/types';
import { blockedReason } from '../lib/riskGuard';
import { useDebounced } from './useDebounced';

/**
 * The risk guard's analysis of `text` bound for `cluster`, asked again once the text has stayed
 * the same for a moment; nothing is asked while `text` is empty. The cluster's Kubernetes version
 * (from its dashboard, when it can be read) is the target of the removed-API check. The last
 * analysis stays shown while the next one is asked; under the `block` policy `blocked` says why
 * Apply is off — blocking findings, or an analysis of the current text still to come.
 */
export function useRiskGuard(cluster: string, text: string, namespace?: string) {
  const settled = useDebounced(text, 600);
  const dashboard = useQuery({ ...apiQuery<Dashboard>(dashboardPath(cluster)), staleTime: 5 * 60_000, retry: false });
  const kubernetesVersion = dashboard.data?.kubernetesVersion;
  const empty = text.trim() === '';
  const enabled = settled.trim() !== '' && !dashboard.isPending;
  const report = useQuery({
    queryKey: ['risk-guard', cluster, namespace ?? '', kubernetesVersion ?? '', settled],
    queryFn: () => analyzeManifests({ manifest: settled, cluster, namespace: namespace || undefined, kubernetesVersion }),
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
