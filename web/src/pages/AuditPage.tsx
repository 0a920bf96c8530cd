import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { paths } from '../api/endpoints';
import { apiQuery, apiResponseQuery } from '../api/queries';
import type { AuditPage as AuditPageBody, AuditVerification } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge, OutcomeBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput, FilterSelect } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import {
  AUDIT_OUTCOMES,
  auditApiQuery,
  auditViewFromSearch,
  auditViewToSearch,
  EMPTY_AUDIT_FILTERS,
  filtersFromForm,
  filtersToForm,
  hasNextPage,
  hasPrevPage,
  pageLabel,
  withOffset,
  type AuditFilters,
  type AuditView,
} from '../lib/auditQuery';
import { chainState } from '../lib/auditChain';
import { isAdmin } from '../lib/roles';

export function AuditPage() {
  const [search, setSearch] = useSearchParams();
  const admin = isAdmin(useCurrentUser().roles);
  const view = auditViewFromSearch(search);
  // The whole response, for its X-Audit-Scope header; the page shown stays while the next one loads.
  const audit = useQuery({ ...apiResponseQuery<AuditPageBody>(`${paths.audit}?${auditApiQuery(view)}`), placeholderData: keepPreviousData });
  const body = audit.data?.data;
  const scope = audit.data?.headers.get('x-audit-scope');

  const show = (next: AuditView) => setSearch(auditViewToSearch(next));

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted" data-testid="audit-scope">
        {scope === 'all' ? 'Showing all events.' : scope === 'self' ? 'Showing your own events.' : '\u00a0'}
      </p>
      {admin ? <ChainBadge /> : null}

      {/* Remounted when the URL changes so the form shows the filters in force. */}
      <AuditFilterBar
        key={JSON.stringify(view.filters)}
        filters={view.filters}
        onApply={(filters) => show({ ...view, filters, offset: 0 })}
      />

      <section className="panel">
        <div className="table-toolbar">
          <span>{body ? pageLabel(body.offset, body.items.length, body.total) : '\u00a0'}</span>
          {audit.isFetching ? <Loading label="" /> : null}
          <span className="spacer" />
          <button type="button" onClick={() => void audit.refetch()}>
            Refresh
          </button>
          <button type="button" disabled={!hasPrevPage(view)} onClick={() => show(withOffset(view, view.offset - view.limit))}>
            ‹ Prev
          </button>
          <button
            type="button"
            disabled={!body || !hasNextPage(view, body.total)}
            onClick={() => show(withOffset(view, view.offset + view.limit))}
          >
            Next ›
          </button>
        </div>
        {audit.error ? <ErrorPanel error={audit.error} onRetry={() => void audit.refetch()} /> : null}
        {body ? <AuditTable body={body} /> : null}
      </section>
    </>
  );
}

/** Whether the hash chain over every kept row still holds (admins only: GET /api/audit/verify). */
function ChainBadge() {
  const verify = useQuery(apiQuery<AuditVerification>(paths.auditVerify));
  if (verify.error) return <ErrorPanel error={verify.error} onRetry={() => void verify.refetch()} />;
  if (!verify.data) return <Loading label="Verifying the audit chain…" />;
  const state = chainState(verify.data);
  return (
    <p data-testid="audit-chain" title={state.detail}>
      <Badge tone={state.tone}>{state.label}</Badge>
    </p>
  );
}

function AuditFilterBar({ filters, onApply }: { filters: AuditFilters; onApply: (filters: AuditFilters) => void }) {
  return (
    <FilterBar label="Audit filters" filters={filtersToForm(filters)} empty={EMPTY_AUDIT_FILTERS} onApply={(form) => onApply(filtersFromForm(form))}>
      {(field) => (
        <>
          <FilterInput label="Actor" {...field('actor')} />
          <FilterInput label="Verb" {...field('verb')} />
          <FilterSelect label="Outcome" values={AUDIT_OUTCOMES} {...field('outcome')} />
          <FilterInput label="Cluster" {...field('cluster')} />
          <FilterInput label="Namespace" {...field('namespace')} />
          <FilterInput label="Name" {...field('name')} />
          <FilterInput label="Request id" {...field('requestId')} />
          <label>
            From
            <input type="datetime-local" {...field('from')} />
          </label>
          <label>
            To
            <input type="datetime-local" {...field('to')} />
          </label>
        </>
      )}
    </FilterBar>
  );
}

function AuditTable({ body }: { body: AuditPageBody }) {
  if (body.items.length === 0) return <p className="muted">No events match.</p>;
  return (
    <div className="table-scroll">
      <table className="table audit-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Verb</th>
            <th>Resource</th>
            <th>Target</th>
            <th>Outcome</th>
            <th>HTTP</th>
            <th>Client</th>
            <th>Request id</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {body.items.map((event) => (
            <tr key={event.id} data-testid="audit-row">
              <td>
                <Time value={event.at} />
              </td>
              <td data-col="actor">
                {event.actor} <span className="muted">({event.actorMethod})</span>
              </td>
              <td data-col="verb">{event.verb}</td>
              <td>{event.resourceType}</td>
              <td className="target">{[event.cluster, event.namespace, event.name].filter(Boolean).join(' / ') || '—'}</td>
              <td data-col="outcome">
                <OutcomeBadge outcome={event.outcome} />
              </td>
              <td>{event.httpStatus}</td>
              <td>{event.clientIp ?? '—'}</td>
              <td>
                <code className="request-id" title={event.requestId}>
                  {event.requestId}
                </code>
              </td>
              <td className="reason">{event.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
