// Console routes of the fleet, a cluster's settings and a cluster's resources. A resource
// route mirrors its API path: `/clusters/{c}/resources/{group}/{version}/{resource}[/{ns}]/{name}`.
import type { ResourceInfo } from '../api/types';
import type { CellLink } from './columns';
import { kindSegments, resourceOfKind, toKindRef, type KindRef } from './kinds';
import { encodeListView, type ListView } from './listView';

const enc = encodeURIComponent;

/** The tabs of a resource's page (`?tab=`); the overview has none. */
export type DetailTab = 'overview' | 'yaml' | 'logs' | 'terminal';

/** The tabs of a Helm release's page (`?tab=`); the overview has none. */
export type ReleaseTab = 'overview' | 'values' | 'manifest' | 'history' | 'diff';

export const clusterRoutes = {
  fleet: '/',
  about: '/about',
  settings: (cluster: string) => `/clusters/${enc(cluster)}`,
  /** The cluster's resources (opens on its pods). */
  resources: (cluster: string) => `/clusters/${enc(cluster)}/resources`,
  /** A kind's table; `view` with its default sort (`defaultSort`) makes the query. */
  list: (cluster: string, kind: KindRef, view?: { view: ListView; defaultSort: string }) =>
    `/clusters/${enc(cluster)}/resources/${kindSegments(kind)}${view ? encodeListView(view.view, view.defaultSort) : ''}`,
  /** One object's page; cluster-scoped objects have no namespace. */
  detail: (cluster: string, kind: KindRef, namespace: string | null, name: string, tab: DetailTab = 'overview') =>
    `/clusters/${enc(cluster)}/resources/${kindSegments(kind)}${namespace ? `/${enc(namespace)}` : ''}/${enc(name)}${
      tab === 'overview' ? '' : `?tab=${tab}`
    }`,
  /** The cluster's Helm releases. */
  helmReleases: (cluster: string) => `/clusters/${enc(cluster)}/helm`,
  /** A Helm release's page: a tab, and the tab's query (`revision`, or `from` and `to`). */
  helmRelease: (cluster: string, namespace: string, name: string, tab: ReleaseTab = 'overview', query: Record<string, number> = {}) => {
    const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    if (tab !== 'overview') params.set('tab', tab);
    const search = params.toString();
    return `/clusters/${enc(cluster)}/helm/${enc(namespace)}/${enc(name)}${search ? `?${search}` : ''}`;
  },
} as const;

/**
 * The page of an object a cell or a reference names by Kind, if the cluster serves that kind;
 * the namespace is dropped for cluster-scoped kinds (an event in `default` about a Node).
 */
export function linkRoute(cluster: string, resources: readonly ResourceInfo[], link: CellLink & { apiVersion?: string }): string | null {
  const resource = resourceOfKind(resources, link.kind, link.apiVersion);
  if (!resource) return null;
  return clusterRoutes.detail(cluster, toKindRef(resource), resource.namespaced ? link.namespace : null, link.name);
}
