import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { changeAlert } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { AlertList, AlertState, AlertView } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { AlertTabs } from '../components/AlertTabs';
import { SeverityBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import {
  alertActions,
  ALERT_STATES,
  ALERTS_REFRESH_MS,
  boardColumns,
  EMPTY_LIFECYCLE_FILTERS,
  lifecycleApiPath,
  lifecycleFiltersFromSearch,
  type LifecycleFilters,
} from '../lib/alerts';
import { hasRoleAtLeast } from '../lib/roles';
import { filtersQuery } from '../lib/signals';

/** The alerts raised, as a board: firing → acknowledged → resolved; operators move them on. */
export function AlertLifecyclePage() {
  const [search, setSearch] = useSearchParams();
  const filters = lifecycleFiltersFromSearch(search);
  const alerts = useQuery({ ...apiQuery<AlertList>(lifecycleApiPath(filters)), placeholderData: keepPreviousData, refetchInterval: ALERTS_REFRESH_MS });
  const canAct = hasRoleAtLeast(useCurrentUser().roles, 'operator');
  const columns = boardColumns(alerts.data?.alerts ?? []);

  return (
    <>
      <h1>Alerts</h1>
      <AlertTabs />
      <FilterBar
        key={JSON.stringify(filters)}
        label="Alert filters"
        filters={filters}
        empty={EMPTY_LIFECYCLE_FILTERS}
        onApply={(next: LifecycleFilters) => setSearch(new URLSearchParams(filtersQuery(next)))}
      >
        {(field) => (
          <>
            <FilterInput label="Cluster" {...field('cluster')} />
            <FilterInput label="Rule id" {...field('rule')} />
          </>
        )}
      </FilterBar>
      {alerts.error ? <ErrorPanel error={alerts.error} onRetry={() => void alerts.refetch()} /> : null}
      {!alerts.data && !alerts.error ? <Loading /> : null}
      <div className="alert-board">
        {ALERT_STATES.map((state) => (
          <section key={state} className="panel alert-column" aria-label={state} data-testid={`alert-column-${state}`}>
            <h2>
              {state} <span className="muted">{columns[state].length}</span>
            </h2>
            {columns[state].length === 0 ? <p className="muted">None.</p> : null}
            {columns[state].map((a) => (
              <AlertCard key={a.id} alert={a} canAct={canAct} />
            ))}
          </section>
        ))}
      </div>
    </>
  );
}

const ACTION_LABELS = { acknowledge: 'Acknowledge', resolve: 'Resolve' } as const;

function AlertCard({ alert: a, canAct }: { alert: AlertView; canAct: boolean }) {
  const [note, setNote] = useState('');
  const change = useApiMutation(changeAlert, changes.alerts);
  const actions = canAct ? alertActions(a.state) : [];
  const when: Record<AlertState, string | null | undefined> = { firing: a.startedAt, acknowledged: a.acknowledgedAt, resolved: a.resolvedAt };

  return (
    <article className="alert-card" data-testid="alert-card" data-id={a.id} data-title={a.title}>
      <div className="table-toolbar">
        <SeverityBadge severity={a.severity} />
        <strong>{a.title}</strong>
      </div>
      {a.summary ? <p>{a.summary}</p> : null}
      <p className="muted">
        {a.cluster || 'no cluster'}
        {a.namespace ? `/${a.namespace}` : ''} · {a.state} <Time value={when[a.state]} />
        {a.acknowledgedBy ? ` · acknowledged by ${a.acknowledgedBy}` : ''}
        {a.resolvedBy ? ` · resolved by ${a.resolvedBy}` : ''}
      </p>
      {a.note ? <p>Note: {a.note}</p> : null}
      {actions.length > 0 ? (
        <div className="actions">
          <input aria-label="Note" value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} placeholder="note (optional)" />
          {actions.map((action) => (
            <button key={action} type="button" disabled={change.isPending} onClick={() => change.mutate({ id: a.id, action, ...(note.trim() ? { note: note.trim() } : {}) })}>
              {ACTION_LABELS[action]}
            </button>
          ))}
        </div>
      ) : null}
      {change.error ? <ErrorPanel error={change.error} title="Not changed" /> : null}
    </article>
  );
}
