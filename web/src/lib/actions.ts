// The actions the console offers on an object (docs/api.md "Actions"): which apply to a kind, and
// the permission check (`POST …/can-i`) that says whether the user may take each one.
import type { components } from '../api/schema';
import type { ResourceRow } from '../api/types';
import type { KindRef } from './kinds';

export type AccessCheck = components['schemas']['Check'];
export type Verdict = components['schemas']['Verdict'];

export type ActionId = 'scale' | 'restart' | 'rollback' | 'trigger' | 'cordon' | 'uncordon' | 'drain' | 'delete' | 'apply';

export const ACTION_LABELS: Record<ActionId, string> = {
  scale: 'Scale',
  restart: 'Restart',
  rollback: 'Roll back',
  trigger: 'Trigger',
  cordon: 'Cordon',
  uncordon: 'Uncordon',
  drain: 'Drain',
  delete: 'Delete',
  apply: 'Apply',
};

/** The object an action is taken on. */
export interface ActionTarget {
  kind: KindRef;
  namespace: string | null;
  name: string;
}

const is = (kind: KindRef, group: string, ...resources: string[]) => kind.group === group && resources.includes(kind.resource);

/** The kind-specific actions (the buttons); delete comes last for every kind the cluster lets be deleted. */
export function actionsFor(kind: KindRef, options: { deletable: boolean; unschedulable?: boolean | null }): ActionId[] {
  const actions: ActionId[] = [];
  if (is(kind, 'apps', 'deployments', 'statefulsets', 'replicasets')) actions.push('scale');
  if (is(kind, 'apps', 'deployments', 'statefulsets', 'daemonsets') || is(kind, '', 'pods')) actions.push('restart');
  if (is(kind, 'apps', 'deployments')) actions.push('rollback');
  if (is(kind, 'batch', 'cronjobs')) actions.push('trigger');
  if (is(kind, '', 'nodes')) {
    // A node's state picks the one of the pair that does something; unknown offers both.
    if (options.unschedulable !== true) actions.push('cordon');
    if (options.unschedulable !== false) actions.push('uncordon');
    actions.push('drain');
  }
  if (options.deletable) actions.push('delete');
  return actions;
}

/** The RBAC check behind an action: what the server will ask of Kubernetes when it is taken. */
export function checkFor(action: ActionId, target: ActionTarget): AccessCheck {
  const { kind, name } = target;
  const namespace = target.namespace ?? '';
  const on = (verb: string, subresource = ''): AccessCheck => ({ verb, group: kind.group, resource: kind.resource, subresource, namespace, name });
  switch (action) {
    case 'scale':
      return on('patch', 'scale');
    case 'restart':
      // A pod is restarted by deleting it for its controller to replace.
      return is(kind, '', 'pods') ? on('delete') : on('patch');
    case 'trigger':
      return { verb: 'create', group: 'batch', resource: 'jobs', subresource: '', namespace, name: '' };
    case 'drain':
      // Evictions of the node's pods, in whatever namespaces they are.
      return { verb: 'create', group: '', resource: 'pods', subresource: 'eviction', namespace: '', name: '' };
    case 'delete':
      return on('delete');
    case 'rollback':
    case 'cordon':
    case 'uncordon':
    case 'apply':
      return on('patch');
  }
}

/** Why an action is greyed out, or null when it is allowed (or not answered yet). */
export function deniedReason(action: ActionId, verdict: Verdict | undefined): string | null {
  if (!verdict || verdict.allowed) return null;
  const what = ACTION_LABELS[action].toLowerCase();
  return verdict.reason ? `You may not ${what}: ${verdict.reason}` : `You may not ${what} this object.`;
}

/** How an object is named in a confirm dialog: `Deployment orders/api on cluster prod`. */
export function targetText(kindName: string, target: ActionTarget, cluster: string): string {
  const path = target.namespace ? `${target.namespace}/${target.name}` : target.name;
  return `${kindName} ${path} on cluster ${cluster}`;
}

/** The propagation policies a delete offers, the apiserver's default first. */
export const PROPAGATION_POLICIES = ['Background', 'Foreground', 'Orphan'] as const;
export type PropagationPolicy = (typeof PROPAGATION_POLICIES)[number];

/** The replica count a scale dialog accepts (the server's bounds), or null with the text invalid. */
export function parseReplicas(text: string): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n <= 10_000 ? n : null;
}

/** What the action dialogs start from: a node's cordon state and a workload's replicas, from its object. */
export function objectState(object: { kind: string; [field: string]: unknown }): { unschedulable: boolean | null; replicas: number | null } {
  const spec = typeof object.spec === 'object' && object.spec !== null ? (object.spec as Record<string, unknown>) : {};
  return {
    unschedulable: object.kind === 'Node' ? spec.unschedulable === true : null,
    replicas: typeof spec.replicas === 'number' ? spec.replicas : null,
  };
}

/** The same from a list row. */
export function rowState(row: ResourceRow): { unschedulable: boolean | null; replicas: number | null } {
  const summary = row.summary;
  return {
    unschedulable: summary.type === 'node' ? summary.unschedulable : null,
    replicas: summary.type === 'workload' ? summary.desired : null,
  };
}
