import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { paths } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { Fleet, FleetEntry } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge, ClusterStatusBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { JoinClusterDialog } from '../components/JoinClusterDialog';
import { RegisterClusterDialog } from '../components/RegisterClusterDialog';
import { Time } from '../components/Time';
import { clusterRoutes } from '../lib/clusterRoutes';
import {
  CLUSTER_STATUSES,
  clusterCount,
  environmentCounts,
  filterFleet,
  fleetErrorLabel,
  hotSignalChips,
  NO_FILTER,
  statusCounts,
  statusTone,
  toggleEnvironment,
  type FleetFilter,
} from '../lib/fleet';
import { isAdmin } from '../lib/roles';

/** How long the server keeps a fleet answer per identity. */
const FLEET_CACHE_MS = 10_000;

/** The home page: every cluster's status and summary at a glance. */
export function FleetPage() {
  const fleet = useQuery(apiQuery<Fleet>(paths.fleet));
  const admin = isAdmin(useCurrentUser().roles);
  const [filter, setFilter] = useState<FleetFilter>(NO_FILTER);
  const [registering, setRegistering] = useState(false);
  const [joining, setJoining] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  // After a registration: refetch once the server's cached answer (10 s) has expired.
  const [refetchSoon, setRefetchSoon] = useState(0);
  const { refetch } = fleet;
  useEffect(() => {
    if (refetchSoon === 0) return;
    const timer = window.setTimeout(() => void refetch(), FLEET_CACHE_MS + 500);
    return () => window.clearTimeout(timer);
  }, [refetchSoon, refetch]);
  const refresh = () => void refetch();
  const rollup = fleet.data?.rollup;
  const shown = fleet.data ? filterFleet(fleet.data.items, filter) : [];

  return (
    <>
      <h1>Fleet</h1>
      {note ? (
        <p className="success-note" role="status" data-testid="saved">
          {note}
        </p>
      ) : null}
      <section className="panel fleet-rollup" data-testid="fleet-rollup">
        <div className="table-toolbar">
          <h2>
            {rollup ? clusterCount(rollup.totalClusters) : 'Clusters'}
            {rollup
              ? statusCounts(rollup).map(([status, n]) => (
                  <span key={status} data-testid="rollup-status" data-status={status}>
                    <Badge tone={statusTone(status)}>{`${n} ${status}`}</Badge>
                  </span>
                ))
              : null}
          </h2>
          <span className="spacer" />
          {rollup ? (
            <span className="hint">
              as of <Time value={rollup.generatedAt} />
            </span>
          ) : null}
          <button type="button" onClick={refresh} disabled={fleet.isFetching}>
            {fleet.isFetching ? 'Refreshing…' : 'Refresh'}
          </button>
          {admin ? (
            <button type="button" onClick={() => setJoining(true)}>
              Join a cluster
            </button>
          ) : null}
          {admin ? (
            <button type="button" className="primary" onClick={() => setRegistering(true)}>
              Register cluster
            </button>
          ) : null}
        </div>
        {rollup ? (
          <div className="filter-row">
            <div className="chips" role="group" aria-label="Environments">
              {environmentCounts(rollup).map(([env, n]) => {
                const active = filter.environments.includes(env);
                return (
                  <button
                    key={env}
                    type="button"
                    className={active ? 'filter-chip active' : 'filter-chip'}
                    aria-pressed={active}
                    onClick={() => setFilter((f) => toggleEnvironment(f, env))}
                  >
                    {env} <span className="muted">{n}</span>
                  </button>
                );
              })}
            </div>
            <label className="inline-label">
              Status
              <select value={filter.status ?? ''} onChange={(e) => setFilter((f) => ({ ...f, status: e.target.value || null }))}>
                <option value="">any</option>
                {CLUSTER_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            {filter.environments.length > 0 || filter.status !== null ? (
              <button type="button" className="link-button" onClick={() => setFilter(NO_FILTER)}>
                Clear filters
              </button>
            ) : null}
          </div>
        ) : null}
        <p className="hint">The server contacts every cluster under your identity and keeps the answer for 10 s.</p>
      </section>
      {fleet.error ? <ErrorPanel error={fleet.error} title="Cannot load the fleet" onRetry={refresh} /> : null}
      {!fleet.data && !fleet.error ? <FleetSkeleton /> : null}
      {fleet.data ? (
        fleet.data.items.length === 0 ? (
          <p className="muted">
            No clusters yet.{admin ? ' Register one to see its status here.' : ''}
          </p>
        ) : shown.length === 0 ? (
          <p className="muted">No cluster matches the filters.</p>
        ) : (
          <div className="fleet-grid" data-testid="fleet-grid">
            {shown.map((entry) => (
              <FleetCard key={entry.name} entry={entry} />
            ))}
          </div>
        )
      ) : null}
      {joining ? <JoinClusterDialog onClose={() => setJoining(false)} /> : null}
      {registering ? (
        <RegisterClusterDialog
          onClose={() => setRegistering(false)}
          onRegistered={(cluster) => {
            setRegistering(false);
            setNote(`Registered cluster ${cluster.name}. It shows up here within 10 s.`);
            setRefetchSoon((n) => n + 1);
          }}
        />
      ) : null}
    </>
  );
}

function FleetSkeleton() {
  return (
    <div className="fleet-grid" aria-busy="true">
      <Loading label="Contacting the clusters…" />
      {[0, 1, 2].map((i) => (
        <div key={i} className="fleet-card skeleton" aria-hidden="true">
          <div className="skeleton-line wide" />
          <div className="skeleton-line" />
          <div className="skeleton-line" />
        </div>
      ))}
    </div>
  );
}

function FleetCard({ entry }: { entry: FleetEntry }) {
  const summary = entry.summary ?? null;
  const chips = hotSignalChips(summary?.hotSignals);
  return (
    <article className={`fleet-card status-${entry.status}`} data-testid="fleet-card" data-name={entry.name} data-status={entry.status}>
      <header className="fleet-card-head">
        <Link to={clusterRoutes.settings(entry.name)} className="fleet-card-title">
          {entry.displayName || entry.name}
        </Link>
        <ClusterStatusBadge status={entry.status} />
      </header>
      <p className="fleet-card-links">
        <Link to={clusterRoutes.resources(entry.name)} data-testid="browse">
          Browse resources
        </Link>
      </p>
      <div className="fleet-card-sub">
        {entry.displayName && entry.displayName !== entry.name ? <code>{entry.name}</code> : null}
        <Badge tone={entry.environment === 'prod' ? 'warn' : 'neutral'}>{entry.environment}</Badge>
      </div>
      {summary ? (
        <dl className="facts fleet-card-facts">
          <dt>Nodes</dt>
          <dd data-testid="nodes">
            {summary.nodes.ready}/{summary.nodes.total} ready
          </dd>
          <dt>Pods</dt>
          <dd data-testid="pods">
            {summary.pods.running} running · {summary.pods.pending} pending ·{' '}
            <span className={summary.pods.failed > 0 ? 'text-bad' : undefined}>{summary.pods.failed} failed</span>
          </dd>
          <dt>Stuck or failed</dt>
          <dd className={summary.stuckOrFailed > 0 ? 'text-bad' : undefined}>{summary.stuckOrFailed}</dd>
          <dt>Namespaces</dt>
          <dd>{summary.namespaces}</dd>
        </dl>
      ) : null}
      {chips.length > 0 ? (
        <div className="chips" data-testid="hot-signals">
          {chips.map((chip) => (
            <span key={chip.key} className={`signal-chip signal-${chip.tone}`}>
              {chip.count} {chip.label}
            </span>
          ))}
        </div>
      ) : null}
      {entry.error ? (
        <p className="fleet-card-error" data-testid="fleet-error" data-code={entry.error.code}>
          <strong>{fleetErrorLabel(entry.error.code)}:</strong> {entry.error.message}
        </p>
      ) : !summary ? (
        <p className="muted fleet-card-empty">{entry.status === 'unknown' ? 'No connection: status unknown.' : 'No summary.'}</p>
      ) : null}
      <footer className="fleet-card-foot hint">
        last contact <Time value={entry.lastContact} />
      </footer>
    </article>
  );
}
