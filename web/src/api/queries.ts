// The console's one client cache (TanStack Query): query keys derived from API paths, the
// client's defaults, and what each kind of write changes.
import { QueryClient, queryOptions } from '@tanstack/react-query';
import { ApiError, apiRequest } from './client';
import { clusterPath, paths } from './endpoints';

declare module '@tanstack/react-query' {
  interface Register {
    // apiRequest turns every failure into an ApiError.
    defaultError: ApiError;
  }
}

/** A path's query string as a key part: one value per name, an array for a repeated name. */
export type QueryParams = Record<string, string | string[]>;

function splitPath(path: string): { segments: string[]; query: QueryParams } {
  const at = path.indexOf('?');
  const pathname = at === -1 ? path : path.slice(0, at);
  const params = new URLSearchParams(at === -1 ? '' : path.slice(at + 1));
  const query: QueryParams = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  return { segments: pathname.split('/').filter(Boolean).map(decodeURIComponent), query };
}

/** The key prefix of a path, without its query: `/api/clusters/a` → `['api', 'clusters', 'a']`. */
export function pathKey(path: string): string[] {
  return splitPath(path).segments;
}

/**
 * The query key of a GET: the path's segments, then its query (`{}` when it has none), so
 * `['api', 'clusters']` is the prefix of the list, every cluster and every cluster's dashboard.
 */
export function apiKey(path: string): [...string[], QueryParams] {
  const { segments, query } = splitPath(path);
  return [...segments, query];
}

/** A GET of `path`, cached as its parsed body. */
export function apiQuery<T>(path: string) {
  return queryOptions({
    queryKey: apiKey(path),
    queryFn: async ({ signal }) => (await apiRequest<T>(path, { signal })).data,
  });
}

/** A GET of `path` whose body is text (a YAML view), cached as the text. Its key ends in 'text'. */
export function apiTextQuery(path: string) {
  return queryOptions({
    queryKey: [...apiKey(path), 'text'],
    queryFn: async ({ signal }) => (await apiRequest<string>(path, { signal, responseType: 'text' })).data,
  });
}

/**
 * A GET of `path` for a view that needs more than the body (a header, or the raw text to
 * measure), cached as the whole response. Its key ends in 'response' after the query, so it can
 * never be taken for apiQuery's entry of the same path, yet shares its prefix.
 */
export function apiResponseQuery<T>(path: string) {
  return queryOptions({
    queryKey: [...apiKey(path), 'response'],
    queryFn: ({ signal }) => apiRequest<T>(path, { signal }),
  });
}

const MAX_RETRIES = 2;

/**
 * Whether a failed GET is worth asking again: only when the server was not reached or failed
 * itself (5xx). A 4xx answer stays the same when asked again, and so does a 5xx that relays a
 * cluster's state (unreachable, too slow, inputs too large): those name the cluster in `details`.
 */
export function shouldRetry(failureCount: number, error: ApiError): boolean {
  if (failureCount >= MAX_RETRIES) return false;
  if (error.status !== 0 && error.status < 500) return false;
  return error.details?.cluster === undefined;
}

/** A cluster's watch cache answers 504 cache_warming until its first list is in: worth asking again for a while. */
export const WARMING_RETRIES = 30;
export const WARMING_RETRY_MS = 2_000;

export function isWarming(error: ApiError | null | undefined): boolean {
  return error?.code === 'cache_warming';
}

/** shouldRetry, and a cache that is still warming up asked again (WARMING_RETRIES times, WARMING_RETRY_MS apart). */
export function retryWhileWarming(failureCount: number, error: ApiError): boolean {
  return isWarming(error) ? failureCount < WARMING_RETRIES : shouldRetry(failureCount, error);
}

/** The wait before retry `attempt`: a warming cache every WARMING_RETRY_MS, else TanStack's exponential default. */
export function warmingRetryDelay(attempt: number, error: ApiError): number {
  return isWarming(error) ? WARMING_RETRY_MS : Math.min(1000 * 2 ** attempt, 30_000);
}

/** The client the console shares (one per page load: see main.tsx). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Moving between views reuses an answer this fresh; older ones refetch on mount.
        staleTime: 5_000,
        retry: shouldRetry,
        // Coming back to the tab refetches what is stale: the fleet may have moved on.
        refetchOnWindowFocus: true,
      },
      // Writes are never retried (TanStack's default for mutations): the operator decides.
    },
  });
}

/**
 * Marks stale every query under each path (queries and sub-paths included); those on screen refetch.
 * A read still in flight is cancelled first: it may have started before the write, and TanStack
 * would otherwise let a first load (one without data yet) stand instead of fetching again.
 */
export async function invalidatePaths(queryClient: QueryClient, changed: readonly string[]): Promise<void> {
  await Promise.all(
    changed.map(async (path) => {
      await queryClient.cancelQueries({ queryKey: pathKey(path) });
      await queryClient.invalidateQueries({ queryKey: pathKey(path) });
    }),
  );
}

const FLUX_CATALOG = [paths.fluxComponents, paths.fluxNamespaces, paths.fluxRoleBindings];
/** Everything that shows a cluster: its views, the fleet, and the Flux views that name clusters (dns, assignments). */
const CLUSTER_VIEWS = [paths.clusters, paths.fleet, paths.fluxClusters, paths.fluxInputs];

/** An action on a cluster's objects: every view of its resources, a node's pods, its dashboard and Helm releases. */
const clusterObjects = (cluster: string) => [`${clusterPath(cluster)}/resources`, `${clusterPath(cluster)}/nodes`, `${clusterPath(cluster)}/dashboard`, `${clusterPath(cluster)}/helm`];

/** What each kind of write changes, as API paths for invalidatePaths (useApiMutation adds the audit log). */
export const changes = {
  apiKeys: [paths.apiKeys],
  users: [paths.users],
  /** An incident opened or worked on. */
  incidents: [paths.incidents],
  /** A remediation proposed or decided: the queue, and the incident it is for. */
  remediation: [paths.remediation, paths.incidents],
  /** A remediation executed: also the fix it recorded, and the cluster's objects it changed. */
  remediationExecuted: (cluster: string) => [paths.remediation, paths.incidents, paths.fixes, paths.runbooks, ...clusterObjects(cluster)],
  /** A runbook written or a fix recorded: runbooks rank by their fixes. */
  memory: [paths.runbooks, paths.fixes],
  /** A rule, channel or alert written: every alerts view (rules name channels; alerts and deliveries follow). */
  alerts: [paths.alertRules, paths.alertChannels, paths.alertLifecycle, paths.alertDeliveries],
  /** A cluster's metadata or connection, or the cluster itself. */
  cluster: CLUSTER_VIEWS,
  /** A cluster's assignments: its editor and the inputs Flux gets. */
  assignments: [paths.fluxClusters, paths.fluxInputs],
  /** A catalog entry created or saved: its kind's list and the inputs it is part of. */
  catalogEntry: (listPath: string) => [listPath, paths.fluxInputs],
  /** A catalog entry deleted: also the assignments a forced delete takes it out of. */
  catalogDelete: (listPath: string) => [listPath, paths.fluxClusters, paths.fluxInputs],
  /** An applied import: the whole catalog, and clusters' metadata (dns) and assignments. */
  fluxImport: [...FLUX_CATALOG, ...CLUSTER_VIEWS],
  /** A tenant, project or app written: every tenancy list, and the entitlement projects' quotas use up. */
  tenancy: [paths.tenants, paths.projects, paths.apps, paths.entitlement],
  plans: [paths.plans],
  /** An order placed, checked out, paid or canceled: the orders and the entitlement paid ones make. */
  orders: [paths.orders, paths.entitlement],
  /** An invoice issued. */
  invoices: [paths.invoices],
  clusterObjects,
} as const;
