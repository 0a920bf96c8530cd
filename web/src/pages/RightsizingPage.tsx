import type { ReactNode } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { proposeRemediation } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { ContainerRightsizing, RightsizingList, RightsizingVerdict, WorkloadRightsizing } from '../api/types';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useCurrentUser } from '../auth/AuthContext';
import { useApiMutation } from '../hooks/useApiMutation';
import { remediationRoute } from '../lib/remediation';
import { hasRoleAtLeast } from '../lib/roles';
import {
  EMPTY_RIGHTSIZING_FILTERS,
  filtersQuery,
  formatCpu,
  formatMemory,
  formatMoney,
  formatSpan,
  recommendedResources,
  rightsizingApiPath,
  rightsizingFiltersFromSearch,
  SIGNALS_REFRESH_MS,
  VERDICT_LABELS,
  workloadKey,
} from '../lib/signals';

function VerdictBadge({ verdict }: { verdict: RightsizingVerdict }) {
  return <Badge tone={verdict === 'recommended' ? 'info' : 'neutral'}>{VERDICT_LABELS[verdict]}</Badge>;
}

/** "500m → 400m" when recommended, else the current value alone. */
function Change({ now, then, format }: { now?: number | null; then?: number | null; format: (v: number | null | undefined) => string }) {
  if (then === null || then === undefined) return <span>{format(now)}</span>;
  return (
    <span>
      {format(now)} → <strong>{format(then)}</strong>
    </span>
  );
}

/** Proposes the workload's recommendations as one set_resources remediation and opens it (operators). */
function ProposeButton({ workload }: { workload: WorkloadRightsizing }) {
  const navigate = useNavigate();
  const propose = useApiMutation(proposeRemediation, changes.remediation);
  const resources = recommendedResources(workload);
  if (resources.length === 0) return null;
  const { cluster, namespace, kind, name } = workload;
  return (
    <>
      <button
        type="button"
        disabled={propose.isPending}
        onClick={() =>
          propose.mutate(
            { workload: { cluster, namespace, kind, name }, params: { resources } },
            { onSuccess: (r) => void navigate(remediationRoute(r.items[0].id)) },
          )
        }
      >
        Propose
      </button>
      {propose.error ? <ErrorPanel error={propose.error} title="Proposal failed" /> : null}
    </>
  );
}

/** Per workload container: what its requests and limits are, what KRR's simple strategy recommends, and what it saves. */
export function RightsizingPage() {
  const [search, setSearch] = useSearchParams();
  const filters = rightsizingFiltersFromSearch(search);
  const list = useQuery({ ...apiQuery<RightsizingList>(rightsizingApiPath(filters)), refetchInterval: SIGNALS_REFRESH_MS, placeholderData: keepPreviousData });
  const rows = (list.data?.workloads ?? []).flatMap((w) => w.containers.map((c) => ({ workload: w, container: c })));
  const policy = list.data?.policy;
  const operator = hasRoleAtLeast(useCurrentUser().roles, 'operator');

  return (
    <>
      <h1>Rightsizing</h1>
      {list.data && policy ? (
        <p data-testid="rightsizing-summary">
          <strong data-testid="rightsizing-savings" data-amount={list.data.monthlySavings}>
            {formatMoney(list.data.monthlySavings)}
          </strong>{' '}
          a month to save over what is listed. CPU request: the 95th percentile of usage, no CPU limit; memory request and limit: the peak + 15 %. Read from{' '}
          {formatSpan(policy.historySeconds)} of samples, at least {formatSpan(policy.minHistorySeconds)}; priced at ${policy.cpuHourPrice} per
          core-hour and ${policy.memoryGibHourPrice} per GiB-hour. <span className="muted">Computed <Time value={list.data.computedAt} />.</span>
        </p>
      ) : null}
      <FilterBar
        key={JSON.stringify(filters)}
        label="Rightsizing filters"
        filters={filters}
        empty={EMPTY_RIGHTSIZING_FILTERS}
        onApply={(next) => setSearch(new URLSearchParams(filtersQuery(next)))}
      >
        {(field) => (
          <>
            <FilterInput label="Cluster" {...field('cluster')} />
            <FilterInput label="Namespace" {...field('namespace')} />
          </>
        )}
      </FilterBar>
      <section className="panel">
        <div className="table-toolbar">
          <span>{list.data ? `${rows.length} container${rows.length === 1 ? '' : 's'}` : '\u00a0'}</span>
          {list.isFetching ? <Loading label="" /> : null}
        </div>
        {list.error ? <ErrorPanel error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.data && rows.length === 0 ? <p className="muted">No workloads match. Recommendations appear once the sampler has seen a workload.</p> : null}
        {rows.length > 0 ? (
          <table className="table" aria-label="Rightsizing">
            <thead>
              <tr>
                <th>Workload</th>
                <th>Container</th>
                <th>CPU request</th>
                <th>CPU p95</th>
                <th>Memory request / limit</th>
                <th>Memory peak</th>
                <th>Why</th>
                <th>Savings / month</th>
                {operator ? <th>Remediation</th> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ workload: w, container: c }, i) => (
                <ContainerRow key={`${workloadKey(w)}/${c.container}`} workloadLabel={`${w.cluster}/${w.namespace}/${w.kind}/${w.name} ×${w.replicas}`} c={c} id={`${workloadKey(w)}/${c.container}`}>
                  {/* One proposal per workload, on its first container's row. */}
                  {operator ? <td>{i === 0 || rows[i - 1].workload !== w ? <ProposeButton workload={w} /> : null}</td> : null}
                </ContainerRow>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}

function ContainerRow({ id, workloadLabel, c, children }: { id: string; workloadLabel: string; c: ContainerRightsizing; children?: ReactNode }) {
  return (
    <tr data-testid="rightsizing-row" data-key={id}>
      <td>{workloadLabel}</td>
      <td>{c.container}</td>
      <td data-col="cpu">
        <Change now={c.current.cpuRequest} then={c.recommended.cpuRequest} format={formatCpu} />
        {c.current.cpuLimit !== null && c.current.cpuLimit !== undefined && c.cpu === 'recommended' ? <span className="muted"> (limit {formatCpu(c.current.cpuLimit)}: drop it)</span> : null}
      </td>
      <td data-col="p95">{formatCpu(c.cpuP95)}</td>
      <td data-col="memory">
        <Change now={c.current.memoryRequest} then={c.recommended.memoryRequest} format={formatMemory} /> /{' '}
        <Change now={c.current.memoryLimit} then={c.recommended.memoryLimit} format={formatMemory} />
      </td>
      <td data-col="peak">{formatMemory(c.memoryPeak)}</td>
      <td data-col="why">
        CPU <VerdictBadge verdict={c.cpu} /> memory <VerdictBadge verdict={c.memory} />
        <div className="muted">
          {c.samples} samples over {formatSpan(c.historySeconds)}
        </div>
      </td>
      <td data-col="savings" data-amount={c.monthlySavings}>
        {formatMoney(c.monthlySavings)}
      </td>
      {children}
    </tr>
  );
}
