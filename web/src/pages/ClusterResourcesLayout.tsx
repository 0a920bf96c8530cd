import { useQuery } from '@tanstack/react-query';
import { Link, Outlet, useOutletContext, useParams } from 'react-router';
import { apiResourcesPath } from '../api/endpoints';
import { apiQuery, retryWhileWarming, warmingRetryDelay } from '../api/queries';
import type { ApiResourceList, ResourceInfo } from '../api/types';
import { ClusterSidebar } from '../components/ClusterSidebar';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { clusterRoutes } from '../lib/clusterRoutes';
import { sidebarSections } from '../lib/sidebar';

/** What the pages under a cluster share: its name and the resources it serves. */
export interface ClusterContext {
  cluster: string;
  resources: ResourceInfo[];
}

export function useClusterContext(): ClusterContext {
  return useOutletContext<ClusterContext>();
}

/** A cluster's resources: the sidebar of the kinds it serves, and the page of one kind or object. */
export function ClusterResourcesLayout() {
  const { cluster = '' } = useParams();
  const discovery = useQuery({
    ...apiQuery<ApiResourceList>(apiResourcesPath(cluster)),
    // Discovery changes when CRDs do; the server refreshes it, a minute here is soon enough.
    staleTime: 60_000,
    retry: retryWhileWarming,
    retryDelay: warmingRetryDelay,
  });
  const resources = discovery.data?.items;

  return (
    <div className="cluster-page">
      <header className="cluster-head">
        <p className="breadcrumbs">
          <Link to={clusterRoutes.fleet}>Fleet</Link> / <Link to={clusterRoutes.settings(cluster)}>{cluster}</Link>
        </p>
      </header>
      {discovery.error ? (
        <ErrorPanel error={discovery.error} title={`Cannot read what ${cluster} serves`} onRetry={() => void discovery.refetch()}>
          {discovery.error.code === 'no_connection' ? (
            <p>
              Fleetdeck has no connection to this cluster. <Link to={clusterRoutes.settings(cluster)}>Add one in its settings.</Link>
            </p>
          ) : null}
        </ErrorPanel>
      ) : null}
      {!resources && !discovery.error ? <Loading label={`Reading what ${cluster} serves…`} /> : null}
      {resources ? (
        <div className="cluster-body">
          <ClusterSidebar cluster={cluster} sections={sidebarSections(resources)} />
          <section className="cluster-main">
            <Outlet context={{ cluster, resources } satisfies ClusterContext} />
          </section>
        </div>
      ) : null}
    </div>
  );
}
