// Kinds of a cluster: how a resource is named in API paths, console routes and stream ids,
// and how the served resources (GET …/api-resources) are looked up.
import type { ResourceInfo } from '../api/types';

/** A resource kind: its API group ('' for core), version and plural resource name. */
export interface KindRef {
  group: string;
  version: string;
  resource: string;
}

/** The core group is written `core` in Fleetdeck's paths. */
export function groupSegment(group: string): string {
  return group === '' ? 'core' : group;
}

export function groupFromSegment(segment: string): string {
  return segment === 'core' ? '' : segment;
}

/** `group/version/resource`, core as `core`: the form of /api/features and the search `kinds`. */
export function kindId(kind: KindRef): string {
  return `${groupSegment(kind.group)}/${kind.version}/${kind.resource}`;
}

export function sameKind(a: KindRef, b: KindRef): boolean {
  return a.group === b.group && a.version === b.version && a.resource === b.resource;
}

/** The path segments `group/version/resource` (each encoded) after `…/resources/`. */
export function kindSegments(kind: KindRef): string {
  return [groupSegment(kind.group), kind.version, kind.resource].map(encodeURIComponent).join('/');
}

const enc = encodeURIComponent;

/** The list route of a kind: `/api/clusters/{c}/resources/{group}/{version}/{resource}`. */
export function listApiPath(cluster: string, kind: KindRef): string {
  return `/api/clusters/${enc(cluster)}/resources/${kindSegments(kind)}`;
}

/** One object's route; cluster-scoped objects have no namespace segment. */
export function objectApiPath(cluster: string, kind: KindRef, namespace: string | null, name: string): string {
  const ns = namespace ? `/${enc(namespace)}` : '';
  return `${listApiPath(cluster, kind)}${ns}/${enc(name)}`;
}

/** The served resource `kind` names, if the cluster serves it. */
export function findResource(resources: readonly ResourceInfo[], kind: KindRef): ResourceInfo | undefined {
  return resources.find((r) => r.group === kind.group && r.version === kind.version && r.resource === kind.resource);
}

/** A version of the group's resource named `resource`, the preferred one first. */
export function preferredResource(resources: readonly ResourceInfo[], group: string, resource: string): ResourceInfo | undefined {
  const candidates = resources.filter((r) => r.group === group && r.resource === resource);
  return candidates.find((r) => r.preferred) ?? candidates[0];
}

/** `apps/v1` → group `apps`, version `v1`; `v1` → the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const at = apiVersion.lastIndexOf('/');
  return at === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, at), version: apiVersion.slice(at + 1) };
}

/**
 * The resource of an object reference (`apiVersion` + `kind`, as in ownerReferences). Without an
 * apiVersion (an event's `Kind/name`), the preferred resource of that kind in any group, core first.
 */
export function resourceOfKind(resources: readonly ResourceInfo[], kind: string, apiVersion?: string): ResourceInfo | undefined {
  const ofKind = resources.filter((r) => r.kind === kind && !r.resource.includes('/'));
  if (apiVersion !== undefined) {
    const { group, version } = splitApiVersion(apiVersion);
    return ofKind.find((r) => r.group === group && r.version === version) ?? ofKind.find((r) => r.group === group);
  }
  const preferred = ofKind.filter((r) => r.preferred);
  return preferred.find((r) => r.group === '') ?? preferred[0] ?? ofKind[0];
}

/** Whether the console can list (and the server watch) this resource. */
export function isListable(resource: ResourceInfo): boolean {
  return resource.verbs.includes('list') && resource.verbs.includes('watch');
}

export function toKindRef(resource: KindRef): KindRef {
  return { group: resource.group, version: resource.version, resource: resource.resource };
}
