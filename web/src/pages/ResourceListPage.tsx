import { useMemo, useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router';
import { namespacesPath } from '../api/endpoints';
import { apiQuery, isWarming } from '../api/queries';
import type { ApiError } from '../api/client';
import type { ResourceRowList } from '../api/types';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { useRowActions } from '../components/ObjectActions';
import { ResourceTable } from '../components/ResourceTable';
import { useColumnWidths } from '../hooks/useColumnWidths';
import { useLiveList, type Liveness } from '../hooks/useLiveList';
import { useNow } from '../hooks/useNow';
import { clusterRoutes, linkRoute } from '../lib/clusterRoutes';
import { columnsFor, defaultSort, filterByName, sortRows } from '../lib/columns';
import { findResource, groupFromSegment, type KindRef } from '../lib/kinds';
import { decodeListView, encodeListView, toggleSort, type ListView } from '../lib/listView';
import { kindLabel } from '../lib/sidebar';
import { useClusterContext } from './ClusterResourcesLayout';

/** The kind a resource route names (`:group/:version/:resource`, core as `core`). */
export function useRouteKind(): KindRef {
  const { group = 'core', version = '', resource = '' } = useParams();
  return useMemo(() => ({ group: groupFromSegment(group), version, resource }), [group, version, resource]);
}

const LIVENESS: Record<Liveness, { label: string; tone: 'good' | 'warn' | 'neutral'; hint: string }> = {
  connecting: { label: 'connecting', tone: 'neutral', hint: 'Opening the live stream' },
  live: { label: 'live', tone: 'good', hint: 'Rows change as the cluster does' },
  resyncing: { label: 'catching up', tone: 'warn', hint: 'The server lists again; a fresh snapshot follows' },
  reconnecting: { label: 'reconnecting', tone: 'warn', hint: 'The stream dropped; the list is polled until it is back' },
  polling: { label: 'polled', tone: 'neutral', hint: 'No live stream for this kind here: the list is asked again every 10 s' },
};

/** One kind's live table, its view (namespace, filters, sort) in the URL. */
export function ResourceListPage() {
  const { cluster, resources } = useClusterContext();
  const kind = useRouteKind();
  const info = findResource(resources, kind);
  const label = kindLabel(resources, kind);
  const sortDefault = defaultSort(kind);
  const [params, setParams] = useSearchParams();
  const view = decodeListView(params, sortDefault);
  const { list, liveness } = useLiveList(cluster, kind, view.namespace, view.labelSelector);
  const [widths, resize] = useColumnWidths(kind);
  const now = useNow();
  const actions = useRowActions(cluster, kind, info);

  const setView = (next: ListView) => setParams(new URLSearchParams(encodeListView(next, sortDefault)), { replace: true });
  const oneNamespace = view.namespace !== null;
  const columns = useMemo(() => columnsFor(kind, info, { oneNamespace }), [kind, info, oneNamespace]);
  const sortColumn = columns.find((c) => c.id === view.sort) ?? columns[0];
  const all = useMemo(() => list.data?.items ?? [], [list.data]);
  // Sorting 10,000 rows is worth doing once per change of the rows or the view, not per render.
  const shown = useMemo(() => sortRows(filterByName(all, view.q), sortColumn, view.order), [all, view.q, sortColumn, view.order]);
  const live = LIVENESS[liveness];
  const place = view.namespace ? `namespace ${view.namespace}` : 'this cluster';

  return (
    <>
      <div className="table-toolbar">
        <h1>{label}</h1>
        {list.data ? (
          <span className="muted" data-testid="row-count">
            {shown.length === all.length ? all.length : `${shown.length} of ${all.length}`}
          </span>
        ) : null}
        <span title={live.hint} data-testid="liveness" data-state={liveness}>
          <Badge tone={live.tone}>{live.label}</Badge>
        </span>
      </div>
      <div className="filter-row list-filters">
        {info?.namespaced !== false ? <NamespacePicker cluster={cluster} value={view.namespace} onChange={(namespace) => setView({ ...view, namespace })} /> : null}
        <label className="inline-label">
          Name
          <input type="search" value={view.q} placeholder="filter by name" onChange={(e) => setView({ ...view, q: e.target.value })} />
        </label>
        <LabelSelectorField key={view.labelSelector} value={view.labelSelector} onApply={(labelSelector) => setView({ ...view, labelSelector })} />
      </div>
      {list.error ? (
        <ListError error={list.error} label={label} place={place} onRetry={() => void list.refetch()} />
      ) : !list.data ? (
        <Loading label={isWarming(list.failureReason) ? `The cluster's cache of ${label} is still loading; retrying…` : `Loading ${label}…`} />
      ) : shown.length === 0 ? (
        <p className="muted empty-state" data-testid="empty-state">
          {all.length === 0 ? `No ${label} in ${place}${view.labelSelector ? ` with labels ${view.labelSelector}` : ''}.` : `No ${label} match "${view.q}".`}
        </p>
      ) : (
        <ResourceTable
          label={label}
          rows={shown}
          columns={columns}
          now={now}
          sort={{ id: sortColumn.id, order: view.order }}
          onSort={(id) => setView(toggleSort(view, id))}
          widths={widths}
          onResize={resize}
          rowHref={(row) => clusterRoutes.detail(cluster, kind, row.namespace ?? null, row.name)}
          linkHref={(link) => linkRoute(cluster, resources, link)}
          height="calc(100vh - 220px)"
          rowActions={actions.button}
        />
      )}
      {actions.dialog}
    </>
  );
}

export function NamespacePicker({ cluster, value, onChange }: { cluster: string; value: string | null; onChange: (namespace: string | null) => void }) {
  const namespaces = useQuery({ ...apiQuery<ResourceRowList>(namespacesPath(cluster)), staleTime: 30_000 });
  const names = (namespaces.data?.items ?? []).map((n) => n.name);
  // A namespace from the URL that the list does not have (not allowed to list them, or gone) stays pickable.
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <label className="inline-label">
      Namespace
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">All namespaces</option>
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The label selector, applied on Enter (each one is a new list from the server). */
function LabelSelectorField({ value, onApply }: { value: string; onApply: (selector: string) => void }) {
  const [draft, setDraft] = useState(value);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft.trim());
  };
  return (
    <form className="inline-form" onSubmit={apply} role="search" aria-label="Label selector">
      <label className="inline-label">
        Labels
        <input value={draft} placeholder="app=web,tier!=db" onChange={(e) => setDraft(e.target.value)} className="selector-input" />
      </label>
      <button type="submit" disabled={draft.trim() === value}>
        Apply
      </button>
    </form>
  );
}

function ListError({ error, label, place, onRetry }: { error: ApiError; label: string; place: string; onRetry: () => void }) {
  if (error.code === 'kube_forbidden') {
    return (
      <div className="notice" data-testid="forbidden">
        <p>
          <strong>You may not list {label} in {place}.</strong> Your Kubernetes permissions on this cluster do not allow it.
        </p>
        <p className="hint">{error.message}</p>
      </div>
    );
  }
  if (error.status === 404) {
    return (
      <div className="notice" data-testid="not-served">
        <p>
          <strong>This cluster does not serve {label}.</strong>
        </p>
      </div>
    );
  }
  return <ErrorPanel error={error} title={`Cannot list ${label}`} onRetry={onRetry} />;
}
