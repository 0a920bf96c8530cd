import { useState, type FormEvent } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { apiRequest } from '../api/client';
import { createIncident } from '../api/endpoints';
import { apiKey, changes } from '../api/queries';
import type { FindingSeverity, IncidentList } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge, SeverityBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput, FilterSelect } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { FINDING_SEVERITIES } from '../lib/findings';
import {
  DEFAULT_INCIDENT_FILTERS,
  INCIDENT_REFRESH_MS,
  INCIDENT_STATES,
  incidentFiltersFromSearch,
  incidentFiltersToSearch,
  incidentRoute,
  incidentsApiPath,
  type IncidentFilters,
} from '../lib/incidents';
import { hasRoleAtLeast } from '../lib/roles';

/** Incidents, newest first: filters in the URL, pages loaded on demand, a manual one opened by operators. */
export function IncidentsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = incidentFiltersFromSearch(search);
  const firstPage = incidentsApiPath(filters);
  const incidents = useInfiniteQuery({
    // Under the first page's path; 'pages' keeps it apart from an apiQuery of that path (another shape).
    queryKey: [...apiKey(firstPage), 'pages'],
    queryFn: async ({ pageParam, signal }) => (await apiRequest<IncidentList>(incidentsApiPath(filters, undefined, pageParam), { signal })).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.continue ?? undefined,
    refetchInterval: INCIDENT_REFRESH_MS,
  });
  const items = incidents.data?.pages.flatMap((p) => p.items) ?? [];
  const user = useCurrentUser();

  return (
    <>
      <h1>Incidents</h1>
      <IncidentsFilterBar key={JSON.stringify(filters)} filters={filters} onApply={(next) => setSearch(incidentFiltersToSearch(next))} />
      <section className="panel">
        <div className="table-toolbar">
          <span>{incidents.data ? `${items.length} incident${items.length === 1 ? '' : 's'}` : '\u00a0'}</span>
          {incidents.isFetching ? <Loading label="" /> : null}
        </div>
        {incidents.error ? <ErrorPanel error={incidents.error} onRetry={() => void incidents.refetch()} /> : null}
        {incidents.data && items.length === 0 ? <p className="muted">No incidents match.</p> : null}
        {items.length > 0 ? (
          <table className="table" aria-label="Incidents">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Title</th>
                <th>State</th>
                <th>Opened</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {items.map((incident) => (
                <tr key={incident.id} data-testid="incident-row" data-id={incident.id}>
                  <td>
                    <SeverityBadge severity={incident.severity} />
                  </td>
                  <td>
                    <Link to={incidentRoute(incident.id)}>{incident.title}</Link>
                  </td>
                  <td data-col="state">{incident.state === 'open' ? <Badge tone="warn">open</Badge> : <Badge tone="good">resolved</Badge>}</td>
                  <td>
                    <Time value={incident.createdAt} />
                  </td>
                  <td>{incident.createdBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {incidents.hasNextPage ? (
          <button type="button" disabled={incidents.isFetchingNextPage} onClick={() => void incidents.fetchNextPage()}>
            {incidents.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>
      {hasRoleAtLeast(user.roles, 'operator') ? <NewIncidentForm /> : null}
    </>
  );
}

function IncidentsFilterBar({ filters, onApply }: { filters: IncidentFilters; onApply: (filters: IncidentFilters) => void }) {
  return (
    <FilterBar label="Incident filters" filters={filters} empty={DEFAULT_INCIDENT_FILTERS} onApply={onApply}>
      {(field) => (
        <>
          <FilterSelect label="State" values={INCIDENT_STATES} {...field('state')} />
          <FilterSelect label="Severity" values={FINDING_SEVERITIES} {...field('severity')} />
          <FilterInput label="Cluster" {...field('cluster')} />
        </>
      )}
    </FilterBar>
  );
}

/** An incident opened by hand (one from findings starts on the Findings page). */
function NewIncidentForm() {
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<FindingSeverity>('warning');
  const [summary, setSummary] = useState('');
  const navigate = useNavigate();
  const create = useApiMutation(createIncident, changes.incidents);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ title: title.trim(), severity, summary: summary.trim() || undefined }, { onSuccess: (detail) => void navigate(incidentRoute(detail.id)) });
  }
  return (
    <form className="panel form-grid" onSubmit={submit} aria-label="New incident">
      <h2>Open an incident</h2>
      <p className="muted">By hand; to open one from findings, use a finding&apos;s evidence on the Findings page.</p>
      <div className="form-row">
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => setSeverity(e.target.value as FindingSeverity)}>
            {FINDING_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label>
        Summary
        <textarea rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </label>
      {create.error ? <ErrorPanel error={create.error} title="Not opened" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending || !title.trim()}>
          Open incident
        </button>
      </div>
    </form>
  );
}
