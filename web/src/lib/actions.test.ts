import { describe, expect, it } from 'vitest';
import { actionsFor, checkFor, deniedReason, objectState, parseReplicas, rowState, targetText } from './actions';

const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
const statefulsets = { group: 'apps', version: 'v1', resource: 'statefulsets' };
const daemonsets = { group: 'apps', version: 'v1', resource: 'daemonsets' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };
const cronjobs = { group: 'batch', version: 'v1', resource: 'cronjobs' };
const configmaps = { group: '', version: 'v1', resource: 'configmaps' };

describe('actionsFor', () => {
  it('offers each kind its own actions, delete last', () => {
    expect(actionsFor(deployments, { deletable: true })).toEqual(['scale', 'restart', 'rollback', 'delete']);
    expect(actionsFor(statefulsets, { deletable: true })).toEqual(['scale', 'restart', 'delete']);
    expect(actionsFor(daemonsets, { deletable: true })).toEqual(['restart', 'delete']);
    expect(actionsFor(pods, { deletable: true })).toEqual(['restart', 'delete']);
    expect(actionsFor(cronjobs, { deletable: true })).toEqual(['trigger', 'delete']);
    expect(actionsFor(configmaps, { deletable: true })).toEqual(['delete']);
  });

  it('leaves delete out when the cluster does not let the kind be deleted', () => {
    expect(actionsFor(configmaps, { deletable: false })).toEqual([]);
  });

  it("offers a node's cordon or uncordon by its state, both when it is unknown", () => {
    expect(actionsFor(nodes, { deletable: false, unschedulable: false })).toEqual(['cordon', 'drain']);
    expect(actionsFor(nodes, { deletable: false, unschedulable: true })).toEqual(['uncordon', 'drain']);
    expect(actionsFor(nodes, { deletable: false })).toEqual(['cordon', 'uncordon', 'drain']);
  });

  it('does not take a same-named resource of another group for a workload', () => {
    expect(actionsFor({ group: 'example.com', version: 'v1', resource: 'deployments' }, { deletable: true })).toEqual(['delete']);
  });
});

describe('checkFor', () => {
  const web = { kind: deployments, namespace: 'shop', name: 'web' };
  it('asks for the verb and subresource the action uses', () => {
    expect(checkFor('scale', web)).toEqual({ verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'shop', name: 'web' });
    expect(checkFor('restart', web)).toMatchObject({ verb: 'patch', resource: 'deployments', subresource: '' });
    expect(checkFor('rollback', web)).toMatchObject({ verb: 'patch', resource: 'deployments' });
    expect(checkFor('delete', web)).toMatchObject({ verb: 'delete', resource: 'deployments', name: 'web' });
    expect(checkFor('apply', web)).toMatchObject({ verb: 'patch', resource: 'deployments', name: 'web' });
  });

  it("restarts a pod by deleting it", () => {
    expect(checkFor('restart', { kind: pods, namespace: 'shop', name: 'web-1' })).toEqual({ verb: 'delete', group: '', resource: 'pods', subresource: '', namespace: 'shop', name: 'web-1' });
  });

  it('triggers a CronJob by creating a Job in its namespace', () => {
    expect(checkFor('trigger', { kind: cronjobs, namespace: 'ops', name: 'backup' })).toEqual({ verb: 'create', group: 'batch', resource: 'jobs', subresource: '', namespace: 'ops', name: '' });
  });

  it('drains by evicting pods in any namespace; cordons by patching the node', () => {
    const node = { kind: nodes, namespace: null, name: 'node-1' };
    expect(checkFor('drain', node)).toEqual({ verb: 'create', group: '', resource: 'pods', subresource: 'eviction', namespace: '', name: '' });
    expect(checkFor('cordon', node)).toEqual({ verb: 'patch', group: '', resource: 'nodes', subresource: '', namespace: '', name: 'node-1' });
  });
});

describe('deniedReason', () => {
  it('is null while allowed or not answered', () => {
    expect(deniedReason('scale', undefined)).toBeNull();
    expect(deniedReason('scale', { allowed: true, reason: '' })).toBeNull();
  });
  it("says what is refused and the server's reason", () => {
    expect(deniedReason('scale', { allowed: false, reason: 'this needs the operator role; you have viewer' })).toBe(
      'You may not scale: this needs the operator role; you have viewer',
    );
    expect(deniedReason('rollback', { allowed: false, reason: '' })).toBe('You may not roll back this object.');
  });
});

describe('targetText and parseReplicas', () => {
  it('names kind, namespace/name and cluster', () => {
    expect(targetText('Deployment', { kind: deployments, namespace: 'shop', name: 'web' }, 'prod')).toBe('Deployment shop/web on cluster prod');
    expect(targetText('Node', { kind: nodes, namespace: null, name: 'n1' }, 'prod')).toBe('Node n1 on cluster prod');
  });
  it('takes whole numbers up to 10,000', () => {
    expect(parseReplicas(' 3 ')).toBe(3);
    expect(parseReplicas('0')).toBe(0);
    expect(parseReplicas('10000')).toBe(10000);
    expect(parseReplicas('10001')).toBeNull();
    expect(parseReplicas('-1')).toBeNull();
    expect(parseReplicas('1.5')).toBeNull();
    expect(parseReplicas('')).toBeNull();
  });
});

describe('objectState and rowState', () => {
  it("reads a node's cordon and a workload's replicas", () => {
    expect(objectState({ kind: 'Node', spec: { unschedulable: true } })).toEqual({ unschedulable: true, replicas: null });
    expect(objectState({ kind: 'Node', spec: {} })).toEqual({ unschedulable: false, replicas: null });
    expect(objectState({ kind: 'Deployment', spec: { replicas: 3 } })).toEqual({ unschedulable: null, replicas: 3 });
    expect(objectState({ kind: 'ConfigMap' })).toEqual({ unschedulable: null, replicas: null });
  });
  it('reads the same from rows', () => {
    const row = { name: 'a', uid: 'u', labels: {}, restarts: 0, status: '' };
    expect(rowState({ ...row, summary: { type: 'workload', desired: 4, ready: 2, updated: 4, available: 2 } })).toEqual({ unschedulable: null, replicas: 4 });
    expect(rowState({ ...row, summary: { type: 'node', ready: true, unschedulable: true, roles: [], kubeletVersion: 'v1', taints: [] } })).toEqual({ unschedulable: true, replicas: null });
    expect(rowState({ ...row, summary: { type: 'other' } })).toEqual({ unschedulable: null, replicas: null });
  });
});
