import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { apiRequest } from '../api/client';
import { apiKey } from '../api/queries';
import type { FindingList } from '../api/types';
import { SeverityBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput, FilterSelect } from '../components/FilterBar';
import { FindingEvidence } from '../components/FindingEvidence';
import { FindingsTable } from '../components/FindingsTable';
import { Loading } from '../components/Loading';
import {
  classLabel,
  countBySeverity,
  EMPTY_FINDING_FILTERS,
  FINDING_CLASSES,
  FINDING_SEVERITIES,
  FINDING_STATES,
  FINDINGS_REFRESH_MS,
  findingsApiPath,
  findingsViewFromSearch,
  findingsViewToSearch,
  type FindingFilters,
  type FindingsView,
} from '../lib/findings';

/** The fleet's findings: filters in the URL, pages loaded on demand, one finding's evidence open. */
export function FindingsPage() {
  const [search, setSearch] = useSearchParams();
  const view = findingsViewFromSearch(search);
  const firstPage = findingsApiPath(view.filters);
  const findings = useInfiniteQuery({
    // Under the first page's path; 'pages' keeps it apart from an apiQuery of that path (another shape).
    queryKey: [...apiKey(firstPage), 'pages'],
    queryFn: async ({ pageParam, signal }) => (await apiRequest<FindingList>(findingsApiPath(view.filters, undefined, pageParam), { signal })).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.continue ?? undefined,
    refetchInterval: FINDINGS_REFRESH_MS,
  });
  const items = findings.data?.pages.flatMap((p) => p.items) ?? [];
  const counts = countBySeverity(items);

  const show = (next: FindingsView) => setSearch(findingsViewToSearch(next));

  return (
    <>
      <h1>Findings</h1>
      <p className="severity-counts" data-testid="severity-counts">
        {FINDING_SEVERITIES.map((severity) => (
          <span key={severity} data-severity={severity}>
            <SeverityBadge severity={severity} /> {counts[severity]}
          </span>
        ))}
        {findings.hasNextPage ? <span className="muted">of those loaded</span> : null}
      </p>

      {/* Remounted when the URL changes so the form shows the filters in force. */}
      <FindingsFilterBar key={JSON.stringify(view.filters)} filters={view.filters} onApply={(filters) => show({ filters, selected: null })} />

      <section className="panel">
        <div className="table-toolbar">
          <span>{findings.data ? `${items.length} finding${items.length === 1 ? '' : 's'}` : '\u00a0'}</span>
          {findings.isFetching ? <Loading label="" /> : null}
          <span className="spacer" />
          <button type="button" onClick={() => void findings.refetch()}>
            Refresh
          </button>
        </div>
        {findings.error ? <ErrorPanel error={findings.error} onRetry={() => void findings.refetch()} /> : null}
        {findings.data && items.length === 0 ? <p className="muted">No findings match.</p> : null}
        {items.length > 0 ? (
          <FindingsTable label="Findings" findings={items} selected={view.selected} onSelect={(selected) => show({ ...view, selected })} />
        ) : null}
        {findings.hasNextPage ? (
          <button type="button" disabled={findings.isFetchingNextPage} onClick={() => void findings.fetchNextPage()}>
            {findings.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>

      {view.selected ? <FindingEvidence key={view.selected} id={view.selected} onClose={() => show({ ...view, selected: null })} /> : null}
    </>
  );
}

function FindingsFilterBar({ filters, onApply }: { filters: FindingFilters; onApply: (filters: FindingFilters) => void }) {
  return (
    <FilterBar label="Findings filters" filters={filters} empty={EMPTY_FINDING_FILTERS} onApply={onApply}>
      {(field) => (
        <>
          <FilterInput label="Cluster" {...field('cluster')} />
          <FilterInput label="Namespace" {...field('namespace')} />
          <FilterInput label="Kind" {...field('kind')} placeholder="Pod" />
          <FilterInput label="Name" {...field('name')} />
          <FilterSelect label="Severity" values={FINDING_SEVERITIES} {...field('severity')} />
          <FilterSelect label="Class" values={FINDING_CLASSES} labelOf={classLabel} {...field('class')} />
          <FilterSelect label="State" values={FINDING_STATES} any={false} {...field('state')} />
        </>
      )}
    </FilterBar>
  );
}
