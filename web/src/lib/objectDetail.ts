// What a resource's page shows beyond the row: its conditions, its owners and the objects it
// refers to (as links), and the pods a selector picks.
import type { KubeObject } from '../api/types';
import type { CellLink } from './columns';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

type Json = Record<string, unknown>;

const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(record) : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `status.conditions`, as they are. */
export function conditionsOf(object: KubeObject): Condition[] {
  return list(record(object.status).conditions)
    .filter((c) => typeof c.type === 'string')
    .map((c) => ({
      type: String(c.type),
      status: String(c.status ?? ''),
      reason: text(c.reason),
      message: text(c.message),
      lastTransitionTime: text(c.lastTransitionTime),
    }));
}

/** A reference shown as a link: what it is to this object, and the object. */
export interface RelatedObject extends CellLink {
  relation: string;
  apiVersion?: string;
}

/** The owners (ownerReferences), the controller first. */
export function ownersOf(object: KubeObject): RelatedObject[] {
  const namespace = object.metadata.namespace ?? null;
  return [...(object.metadata.ownerReferences ?? [])]
    .sort((a, b) => Number(b.controller ?? false) - Number(a.controller ?? false))
    .map((o) => ({ relation: o.controller ? 'Controlled by' : 'Owned by', kind: o.kind, apiVersion: o.apiVersion, namespace, name: o.name }));
}

/** The pod spec of a pod, or of a workload's pod template (CronJobs: their job's). */
export function podSpecOf(object: KubeObject): Json | null {
  const spec = record(object.spec);
  if (object.kind === 'Pod') return spec;
  const template = record(object.kind === 'CronJob' ? record(record(spec.jobTemplate).spec).template : spec.template);
  return Object.keys(template).length > 0 ? record(template.spec) : null;
}

/** The ConfigMaps, Secrets and claims a pod spec uses (volumes, envFrom, env), each once. */
function podSpecReferences(spec: Json, namespace: string | null): RelatedObject[] {
  const found: RelatedObject[] = [];
  const add = (relation: string, kind: string, name: unknown) => {
    const n = text(name);
    if (n && !found.some((f) => f.kind === kind && f.name === n)) found.push({ relation, kind, namespace, name: n });
  };
  const containers = [...list(spec.initContainers), ...list(spec.containers)];
  for (const volume of list(spec.volumes)) {
    add('Mounts', 'ConfigMap', record(volume.configMap).name);
    add('Mounts', 'Secret', record(volume.secret).secretName);
    add('Mounts', 'PersistentVolumeClaim', record(volume.persistentVolumeClaim).claimName);
    for (const source of list(record(volume.projected).sources)) {
      add('Mounts', 'ConfigMap', record(source.configMap).name);
      add('Mounts', 'Secret', record(source.secret).name);
    }
  }
  for (const container of containers) {
    for (const from of list(container.envFrom)) {
      add('Environment from', 'ConfigMap', record(from.configMapRef).name);
      add('Environment from', 'Secret', record(from.secretRef).name);
    }
    for (const env of list(container.env)) {
      const valueFrom = record(env.valueFrom);
      add('Environment from', 'ConfigMap', record(valueFrom.configMapKeyRef).name);
      add('Environment from', 'Secret', record(valueFrom.secretKeyRef).name);
    }
  }
  for (const secret of list(spec.imagePullSecrets)) add('Pulls images with', 'Secret', secret.name);
  return found;
}

/**
 * The objects `object` refers to: a pod's node, service account and what its spec uses (so
 * do workload templates); a claim's volume and class; a binding's role and service accounts;
 * an HPA's target; an ingress's backend services.
 */
export function relatedObjects(object: KubeObject): RelatedObject[] {
  const namespace = object.metadata.namespace ?? null;
  const spec = record(object.spec);
  const related: RelatedObject[] = [];
  const add = (relation: string, kind: string, name: unknown, ns: string | null = namespace) => {
    const n = text(name);
    if (n) related.push({ relation, kind, namespace: ns, name: n });
  };
  const podSpec = podSpecOf(object);
  if (podSpec) {
    if (object.kind === 'Pod') add('Runs on', 'Node', podSpec.nodeName, null);
    add('Runs as', 'ServiceAccount', podSpec.serviceAccountName);
    related.push(...podSpecReferences(podSpec, namespace));
  }
  switch (object.kind) {
    case 'PersistentVolumeClaim':
      add('Bound to', 'PersistentVolume', spec.volumeName, null);
      add('Storage class', 'StorageClass', spec.storageClassName, null);
      break;
    case 'PersistentVolume': {
      const claim = record(spec.claimRef);
      add('Claimed by', 'PersistentVolumeClaim', claim.name, text(claim.namespace) ?? null);
      add('Storage class', 'StorageClass', spec.storageClassName, null);
      break;
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const role = record(object.roleRef);
      add('Grants', String(role.kind ?? 'Role'), role.name, role.kind === 'ClusterRole' ? null : namespace);
      for (const subject of list(object.subjects)) {
        if (subject.kind === 'ServiceAccount') add('To', 'ServiceAccount', subject.name, text(subject.namespace) ?? namespace);
      }
      break;
    }
    case 'HorizontalPodAutoscaler': {
      const target = record(spec.scaleTargetRef);
      if (typeof target.kind === 'string') related.push({ relation: 'Scales', kind: target.kind, apiVersion: text(target.apiVersion), namespace, name: String(target.name ?? '') });
      break;
    }
    case 'Ingress': {
      const services = new Set<string>();
      const backend = (b: unknown) => text(record(record(b).service).name);
      const defaultBackend = backend(spec.defaultBackend);
      if (defaultBackend) services.add(defaultBackend);
      for (const rule of list(spec.rules)) {
        for (const path of list(record(rule.http).paths)) {
          const name = backend(path.backend);
          if (name) services.add(name);
        }
      }
      for (const name of services) add('Routes to', 'Service', name);
      break;
    }
  }
  return related;
}

/**
 * The label selector (apiserver syntax) of the pods an object selects: a workload's
 * `spec.selector.matchLabels` (and `In`/`NotIn`/`Exists`/`DoesNotExist` expressions) or a
 * Service's `spec.selector`; null when it selects none.
 */
export function podSelector(object: KubeObject): string | null {
  const spec = record(object.spec);
  if (object.kind === 'Service') {
    const labels = Object.entries(record(spec.selector));
    return labels.length > 0 ? labels.map(([k, v]) => `${k}=${String(v)}`).join(',') : null;
  }
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind)) return null;
  const selector = record(spec.selector);
  const terms = Object.entries(record(selector.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of list(selector.matchExpressions)) {
    const values = Array.isArray(e.values) ? e.values.map(String).join(',') : '';
    if (e.operator === 'In') terms.push(`${String(e.key)} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${String(e.key)} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(String(e.key));
    else if (e.operator === 'DoesNotExist') terms.push(`!${String(e.key)}`);
  }
  return terms.length > 0 ? terms.join(',') : null;
}
