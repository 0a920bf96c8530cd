// The cluster page's sidebar: the kinds a cluster serves, grouped as Headlamp groups them, then
// every custom resource group.
import type { ResourceInfo } from '../api/types';
import { isListable, preferredResource, toKindRef, type KindRef } from './kinds';

export interface SidebarEntry {
  kind: KindRef;
  label: string;
}

export interface SidebarSection {
  title: string;
  entries: SidebarEntry[];
  /** Custom resources: one sub-list per API group. */
  groups?: { group: string; entries: SidebarEntry[] }[];
}

/** [group, resource, label]: the built-in kinds, in sidebar order. */
type BuiltIn = [string, string, string];

const BUILT_IN_SECTIONS: { title: string; kinds: BuiltIn[] }[] = [
  {
    title: 'Cluster',
    kinds: [
      ['', 'nodes', 'Nodes'],
      ['', 'namespaces', 'Namespaces'],
      ['', 'events', 'Events'],
    ],
  },
  {
    title: 'Workloads',
    kinds: [
      ['', 'pods', 'Pods'],
      ['apps', 'deployments', 'Deployments'],
      ['apps', 'statefulsets', 'StatefulSets'],
      ['apps', 'daemonsets', 'DaemonSets'],
      ['apps', 'replicasets', 'ReplicaSets'],
      ['batch', 'jobs', 'Jobs'],
      ['batch', 'cronjobs', 'CronJobs'],
    ],
  },
  {
    title: 'Network',
    kinds: [
      ['', 'services', 'Services'],
      ['networking.k8s.io', 'ingresses', 'Ingresses'],
      ['networking.k8s.io', 'ingressclasses', 'Ingress classes'],
      ['', 'endpoints', 'Endpoints'],
      ['discovery.k8s.io', 'endpointslices', 'Endpoint slices'],
      ['networking.k8s.io', 'networkpolicies', 'Network policies'],
    ],
  },
  {
    title: 'Config',
    kinds: [
      ['', 'configmaps', 'ConfigMaps'],
      ['', 'secrets', 'Secrets'],
      ['', 'resourcequotas', 'Resource quotas'],
      ['', 'limitranges', 'Limit ranges'],
      ['autoscaling', 'horizontalpodautoscalers', 'HPAs'],
      ['policy', 'poddisruptionbudgets', 'Pod disruption budgets'],
      ['scheduling.k8s.io', 'priorityclasses', 'Priority classes'],
    ],
  },
  {
    title: 'Storage',
    kinds: [
      ['', 'persistentvolumeclaims', 'PVCs'],
      ['', 'persistentvolumes', 'PVs'],
      ['storage.k8s.io', 'storageclasses', 'Storage classes'],
    ],
  },
  {
    title: 'Access control',
    kinds: [
      ['', 'serviceaccounts', 'Service accounts'],
      ['rbac.authorization.k8s.io', 'roles', 'Roles'],
      ['rbac.authorization.k8s.io', 'rolebindings', 'Role bindings'],
      ['rbac.authorization.k8s.io', 'clusterroles', 'Cluster roles'],
      ['rbac.authorization.k8s.io', 'clusterrolebindings', 'Cluster role bindings'],
    ],
  },
];

/** The API groups of Kubernetes itself (and metrics-server); any other group is a custom resource's. */
const KUBERNETES_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'metrics.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

export function isCustomGroup(group: string): boolean {
  return !KUBERNETES_GROUPS.has(group);
}

/** The built-in label of a kind, or its Kind (custom resources and kinds the sidebar does not list). */
export function kindLabel(resources: readonly ResourceInfo[], kind: KindRef): string {
  for (const section of BUILT_IN_SECTIONS) {
    const known = section.kinds.find(([group, resource]) => group === kind.group && resource === kind.resource);
    if (known) return known[2];
  }
  if (kind.group === 'apiextensions.k8s.io' && kind.resource === 'customresourcedefinitions') return 'Definitions';
  return resources.find((r) => r.group === kind.group && r.resource === kind.resource)?.kind ?? kind.resource;
}

/**
 * The sidebar of a cluster serving `resources`: the built-in sections with the kinds it serves
 * (and the console can list), then "Custom resources": the CRDs themselves, then one group per
 * custom API group (sorted), its kinds by name, each at its preferred version.
 */
export function sidebarSections(resources: readonly ResourceInfo[]): SidebarSection[] {
  const listable = resources.filter(isListable);
  const entry = (group: string, resource: string, label: string): SidebarEntry | null => {
    const served = preferredResource(listable, group, resource);
    return served ? { kind: toKindRef(served), label } : null;
  };
  const sections: SidebarSection[] = [];
  for (const section of BUILT_IN_SECTIONS) {
    const entries = section.kinds.map(([group, resource, label]) => entry(group, resource, label)).filter((e) => e !== null);
    if (entries.length > 0) sections.push({ title: section.title, entries });
  }

  const customGroups = [...new Set(listable.filter((r) => isCustomGroup(r.group)).map((r) => r.group))].sort();
  const groups = customGroups.map((group) => {
    const names = [...new Set(listable.filter((r) => r.group === group).map((r) => r.resource))];
    const entries = names
      .map((resource) => preferredResource(listable, group, resource))
      .filter((r) => r !== undefined)
      .map((r) => ({ kind: toKindRef(r), label: r.kind }))
      .sort((a, b) => a.label.localeCompare(b.label));
    return { group, entries };
  });
  const definitions = entry('apiextensions.k8s.io', 'customresourcedefinitions', 'Definitions');
  if (definitions || groups.length > 0) {
    sections.push({ title: 'Custom resources', entries: definitions ? [definitions] : [], groups });
  }
  return sections;
}
