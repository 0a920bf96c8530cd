// The findings views: their filters live in the URL and use GET /api/diagnostics's parameter
// names; these pure functions move them between the URL and the API, order and count
// severities, and name the console page of an object a finding points at.
import { paths } from '../api/endpoints';
import type { FindingClass, FindingObjectRef, FindingRemediation, FindingSeverity, FindingsQuery, ResourceInfo } from '../api/types';
import { clusterRoutes } from './clusterRoutes';
import { resourceOfKind, splitApiVersion } from './kinds';

export const FINDINGS_PAGE_SIZE = 100;
/** The monitor writes findings as clusters change: lists on screen are asked again this often. */
export const FINDINGS_REFRESH_MS = 10_000;
/** The console route of the fleet's findings. */
export const FINDINGS_ROUTE = '/findings';

/** Most severe first: the order of counts, badges and an object's findings. */
export const FINDING_SEVERITIES = ['critical', 'warning', 'info'] as const satisfies readonly FindingSeverity[];

export type FindingState = NonNullable<FindingsQuery['state']>;
export const FINDING_STATES = ['open', 'resolved', 'all'] as const satisfies readonly FindingState[];

/** Every class, as the filter lists it (a Record, so a class added to the API fails the build until named here). */
const CLASS_LABELS: Record<FindingClass, string> = {
  pod_crash_loop: 'Pod crash loop',
  pod_image_pull: 'Image pull failing',
  pod_oom_killed: 'Out of memory',
  pod_config_missing: 'Configuration missing',
  pod_unschedulable: 'Pod unschedulable',
  pod_probe_failing: 'Probe failing',
  pod_restart_burst: 'Restart burst',
  workload_unavailable: 'Workload unavailable',
  workload_progress_deadline: 'Rollout stuck',
  daemonset_misscheduled: 'DaemonSet misscheduled',
  job_failed: 'Job failed',
  cronjob_suspended: 'CronJob suspended',
  cronjob_missed_schedule: 'CronJob missed schedule',
  node_not_ready: 'Node not ready',
  node_pressure: 'Node pressure',
  node_cordoned_long: 'Node cordoned long',
  pvc_pending: 'PVC pending',
  pvc_lost: 'PVC lost',
  pvc_no_storage_class: 'PVC without storage class',
  service_no_pods: 'Service selects no pods',
  service_no_ready_endpoints: 'Service without ready endpoints',
  ingress_backend_missing: 'Ingress backend missing',
  ingress_tls_secret_missing: 'Ingress TLS secret missing',
  ingress_class_missing: 'Ingress class missing',
  hpa_target_missing: 'HPA target missing',
  hpa_metrics_unavailable: 'HPA metrics unavailable',
  hpa_at_max: 'HPA at maximum',
  pdb_blocks_disruptions: 'PDB blocks disruptions',
  network_policy_selects_nothing: 'NetworkPolicy selects nothing',
  webhook_service_missing: 'Webhook service missing',
  warning_event_burst: 'Warning event burst',
};
export const FINDING_CLASSES = Object.keys(CLASS_LABELS) as FindingClass[];

export function classLabel(findingClass: FindingClass): string {
  return CLASS_LABELS[findingClass] ?? findingClass;
}

const REMEDIATION_LABELS: Record<FindingRemediation, string> = {
  restart: 'Restart',
  rollback: 'Roll back',
  scale: 'Scale',
  cordon: 'Cordon',
  drain: 'Drain',
  patch_memory_limit: 'Raise the memory limit',
  set_resources: 'Set requests and limits',
  delete_pod: 'Delete the pod',
};

export function remediationLabel(remediation: FindingRemediation): string {
  return REMEDIATION_LABELS[remediation] ?? remediation;
}

/** Filter values; '' means "not filtered". */
export interface FindingFilters {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  severity: FindingSeverity | '';
  class: FindingClass | '';
  state: FindingState;
}

export const EMPTY_FINDING_FILTERS: FindingFilters = { cluster: '', namespace: '', kind: '', name: '', severity: '', class: '', state: 'open' };

/** The Findings page: its filters, and the finding whose evidence is open (`?finding=`). */
export interface FindingsView {
  filters: FindingFilters;
  selected: string | null;
}

const TEXT_FILTERS = ['cluster', 'namespace', 'kind', 'name'] as const satisfies readonly (keyof FindingFilters & keyof FindingsQuery)[];

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

export function findingsViewFromSearch(search: URLSearchParams): FindingsView {
  const filters = { ...EMPTY_FINDING_FILTERS };
  for (const key of TEXT_FILTERS) filters[key] = (search.get(key) ?? '').trim();
  filters.severity = oneOf(FINDING_SEVERITIES, search.get('severity')) ?? '';
  filters.class = oneOf(FINDING_CLASSES, search.get('class')) ?? '';
  filters.state = oneOf(FINDING_STATES, search.get('state')) ?? 'open';
  return { filters, selected: search.get('finding') || null };
}

/** The set filters; the state only when it is not the default (open). */
function filterParams(filters: Partial<FindingFilters>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of [...TEXT_FILTERS, 'severity', 'class'] as const) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  if (filters.state && filters.state !== 'open') params.set('state', filters.state);
  return params;
}

/** The URL query of a view: only what differs from the defaults. */
export function findingsViewToSearch(view: FindingsView): URLSearchParams {
  const params = filterParams(view.filters);
  if (view.selected) params.set('finding', view.selected);
  return params;
}

/** The Findings page filtered by `filters` (e.g. to one object). */
export function findingsRoute(filters: Partial<FindingFilters> = {}): string {
  const query = filterParams(filters).toString();
  return query ? `${FINDINGS_ROUTE}?${query}` : FINDINGS_ROUTE;
}

/** GET /api/diagnostics for `filters`: a page of `limit`, after the `continue` token `next`. */
export function findingsApiPath(filters: Partial<FindingFilters>, limit = FINDINGS_PAGE_SIZE, next?: string | null): string {
  const params = filterParams(filters);
  params.set('limit', String(limit));
  if (next) params.set('continue', next);
  return `${paths.diagnostics}?${params.toString()}`;
}

export function severityRank(severity: FindingSeverity): number {
  const rank = FINDING_SEVERITIES.indexOf(severity);
  return rank === -1 ? FINDING_SEVERITIES.length : rank;
}

/** Most severe first; equal severities keep their order (the server's: by object). */
export function bySeverity<T extends { severity: FindingSeverity }>(findings: readonly T[]): T[] {
  return [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
}

export function countBySeverity(findings: readonly { severity: FindingSeverity }[]): Record<FindingSeverity, number> {
  const counts: Record<FindingSeverity, number> = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

export function severityTone(severity: FindingSeverity): 'bad' | 'warn' | 'info' {
  return severity === 'critical' ? 'bad' : severity === 'warning' ? 'warn' : 'info';
}

/** `Pod shop/db-1`, `Node node-0`. */
export function objectLabel(ref: FindingObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/**
 * The plural resource and scope of the kinds the analyzers look at, by `group/Kind`: the
 * Findings page links objects without asking each cluster what it serves.
 */
const KNOWN_RESOURCES: Record<string, { resource: string; namespaced: boolean }> = {
  '/Pod': { resource: 'pods', namespaced: true },
  '/Node': { resource: 'nodes', namespaced: false },
  '/PersistentVolumeClaim': { resource: 'persistentvolumeclaims', namespaced: true },
  '/Service': { resource: 'services', namespaced: true },
  '/ConfigMap': { resource: 'configmaps', namespaced: true },
  '/Secret': { resource: 'secrets', namespaced: true },
  '/Namespace': { resource: 'namespaces', namespaced: false },
  'apps/Deployment': { resource: 'deployments', namespaced: true },
  'apps/StatefulSet': { resource: 'statefulsets', namespaced: true },
  'apps/DaemonSet': { resource: 'daemonsets', namespaced: true },
  'apps/ReplicaSet': { resource: 'replicasets', namespaced: true },
  'batch/Job': { resource: 'jobs', namespaced: true },
  'batch/CronJob': { resource: 'cronjobs', namespaced: true },
  'storage.k8s.io/StorageClass': { resource: 'storageclasses', namespaced: false },
  'discovery.k8s.io/EndpointSlice': { resource: 'endpointslices', namespaced: true },
  'networking.k8s.io/Ingress': { resource: 'ingresses', namespaced: true },
  'networking.k8s.io/IngressClass': { resource: 'ingressclasses', namespaced: false },
  'networking.k8s.io/NetworkPolicy': { resource: 'networkpolicies', namespaced: true },
  'autoscaling/HorizontalPodAutoscaler': { resource: 'horizontalpodautoscalers', namespaced: true },
  'policy/PodDisruptionBudget': { resource: 'poddisruptionbudgets', namespaced: true },
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': { resource: 'validatingwebhookconfigurations', namespaced: false },
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': { resource: 'mutatingwebhookconfigurations', namespaced: false },
};

/**
 * The console page of an object a finding names: by the cluster's served `resources` when known
 * (a custom kind), else by the kinds the analyzers look at; null for a kind neither names.
 */
export function objectRoute(cluster: string, ref: FindingObjectRef, resources: readonly ResourceInfo[] = []): string | null {
  const served = resourceOfKind(resources, ref.kind, ref.apiVersion);
  const { group, version } = splitApiVersion(ref.apiVersion);
  const known = KNOWN_RESOURCES[`${group}/${ref.kind}`];
  const resource = served ? { resource: served.resource, namespaced: served.namespaced } : known;
  if (!resource) return null;
  const kind = { group, version: served?.version ?? version, resource: resource.resource };
  return clusterRoutes.detail(cluster, kind, resource.namespaced ? (ref.namespace ?? null) : null, ref.name);
}
