import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { helmReleasesPath } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { HelmReleaseList, HelmSkippedSecret } from '../api/types';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { clusterRoutes } from '../lib/clusterRoutes';
import { filterReleases, releaseStatusTone } from '../lib/helm';
import { useClusterContext } from './ClusterResourcesLayout';
import { NamespacePicker } from './ResourceListPage';

/** A cluster's Helm releases, each at its latest revision; the namespace and filter in the URL. */
export function HelmReleasesPage() {
  const { cluster } = useClusterContext();
  const [params, setParams] = useSearchParams();
  const namespace = params.get('namespace');
  const q = params.get('q') ?? '';
  const list = useQuery(apiQuery<HelmReleaseList>(helmReleasesPath(cluster, namespace)));
  const shown = useMemo(() => filterReleases(list.data?.items ?? [], q), [list.data, q]);
  const place = namespace ? `namespace ${namespace}` : 'this cluster';

  const setParam = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <div className="table-toolbar">
        <h1>Helm releases</h1>
        {list.data ? (
          <span className="muted" data-testid="row-count">
            {shown.length === list.data.items.length ? list.data.items.length : `${shown.length} of ${list.data.items.length}`}
          </span>
        ) : null}
      </div>
      <div className="filter-row list-filters">
        <NamespacePicker cluster={cluster} value={namespace} onChange={(ns) => setParam('namespace', ns)} />
        <label className="inline-label">
          Filter
          <input type="search" value={q} placeholder="name, namespace or chart" onChange={(e) => setParam('q', e.target.value)} />
        </label>
      </div>
      {list.data?.truncated ? (
        <p className="notice" data-testid="truncated">
          Showing the first {list.data.items.length} of {list.data.total} releases; pick a namespace to see the rest.
        </p>
      ) : null}
      {list.data?.skipped.length ? <Skipped skipped={list.data.skipped} /> : null}
      {list.error ? (
        list.error.code === 'kube_forbidden' ? (
          <div className="notice" data-testid="forbidden">
            <p>
              <strong>You may not list Helm releases in {place}.</strong> Helm keeps releases in Secrets, and your Kubernetes permissions do not let you list them.
            </p>
            <p className="hint">{list.error.message}</p>
          </div>
        ) : (
          <ErrorPanel error={list.error} title="Cannot list Helm releases" onRetry={() => void list.refetch()} />
        )
      ) : !list.data ? (
        <Loading label="Reading Helm releases…" />
      ) : shown.length === 0 ? (
        <p className="muted empty-state" data-testid="empty-state">
          {list.data.items.length === 0 ? `No Helm releases in ${place}.` : `No releases match "${q}".`}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table" data-testid="helm-releases">
            <thead>
              <tr>
                <th>Name</th>
                <th>Namespace</th>
                <th>Revision</th>
                <th>Status</th>
                <th>Chart</th>
                <th>App version</th>
                <th>Updated</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={`${r.namespace}/${r.name}`}>
                  <td>
                    <Link to={clusterRoutes.helmRelease(cluster, r.namespace, r.name)}>{r.name}</Link>
                  </td>
                  <td>{r.namespace}</td>
                  <td>{r.revision}</td>
                  <td>
                    <Badge tone={releaseStatusTone(r.status)}>{r.status}</Badge>
                  </td>
                  <td>
                    {r.chart}-{r.chartVersion}
                  </td>
                  <td>{r.appVersion ?? '—'}</td>
                  <td>
                    <Time value={r.updated} />
                  </td>
                  <td>{r.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Release Secrets that could not be read: named, so the list does not silently miss them. */
export function Skipped({ skipped }: { skipped: HelmSkippedSecret[] }) {
  return (
    <div className="notice" data-testid="skipped">
      <p>
        <strong>{skipped.length === 1 ? 'One release Secret' : `${skipped.length} release Secrets`} could not be read:</strong>
      </p>
      <ul>
        {skipped.map((s) => (
          <li key={`${s.namespace}/${s.secret}`}>
            {s.namespace}/{s.secret}: {s.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
