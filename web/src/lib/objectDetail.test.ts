import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { conditionsOf, ownersOf, podSelector, relatedObjects } from './objectDetail';

const object = (kind: string, body: Record<string, unknown>, metadata: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name: 'x', namespace: 'shop', ...metadata },
  ...body,
});

describe('objectDetail', () => {
  it('reads conditions', () => {
    const pod = object('Pod', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: '' }, { bogus: 1 }] } });
    expect(conditionsOf(pod)).toEqual([{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: undefined, lastTransitionTime: undefined }]);
    expect(conditionsOf(object('ConfigMap', {}))).toEqual([]);
  });

  it('lists owners, the controller first', () => {
    const pod = object('Pod', {}, {
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: '1' },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: '2', controller: true },
      ],
    });
    expect(ownersOf(pod)).toEqual([
      { relation: 'Controlled by', kind: 'ReplicaSet', apiVersion: 'apps/v1', namespace: 'shop', name: 'web-7d9f' },
      { relation: 'Owned by', kind: 'Node', apiVersion: 'v1', namespace: 'shop', name: 'n1' },
    ]);
  });

  it('finds what a pod uses, each once', () => {
    const pod = object('Pod', {
      spec: {
        nodeName: 'node-0',
        serviceAccountName: 'web',
        volumes: [{ configMap: { name: 'web-config' } }, { secret: { secretName: 'tls' } }, { persistentVolumeClaim: { claimName: 'data' } }, { projected: { sources: [{ configMap: { name: 'ca' } }] } }],
        containers: [{ envFrom: [{ secretRef: { name: 'tls' } }], env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'flags', key: 'a' } } }] }],
        imagePullSecrets: [{ name: 'registry' }],
      },
    });
    expect(relatedObjects(pod).map((r) => `${r.relation} ${r.kind}/${r.namespace ?? '-'}/${r.name}`)).toEqual([
      'Runs on Node/-/node-0',
      'Runs as ServiceAccount/shop/web',
      'Mounts ConfigMap/shop/web-config',
      'Mounts Secret/shop/tls',
      'Mounts PersistentVolumeClaim/shop/data',
      'Mounts ConfigMap/shop/ca',
      'Environment from ConfigMap/shop/flags',
      'Pulls images with Secret/shop/registry',
    ]);
  });

  it('finds the references of templates, claims, bindings, HPAs and ingresses', () => {
    const deployment = object('Deployment', { spec: { template: { spec: { serviceAccountName: 'web', containers: [] } } } });
    expect(relatedObjects(deployment).map((r) => r.kind)).toEqual(['ServiceAccount']);
    const claim = object('PersistentVolumeClaim', { spec: { volumeName: 'pv-1', storageClassName: 'fast' } });
    expect(relatedObjects(claim)).toEqual([
      { relation: 'Bound to', kind: 'PersistentVolume', namespace: null, name: 'pv-1' },
      { relation: 'Storage class', kind: 'StorageClass', namespace: null, name: 'fast' },
    ]);
    const binding = object('RoleBinding', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }, { kind: 'User', name: 'alice' }] });
    expect(relatedObjects(binding).map((r) => `${r.kind}/${r.namespace ?? '-'}/${r.name}`)).toEqual(['ClusterRole/-/view', 'ServiceAccount/shop/ci']);
    const hpa = object('HorizontalPodAutoscaler', { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } });
    expect(relatedObjects(hpa)).toEqual([{ relation: 'Scales', kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'shop', name: 'web' }]);
    const ingress = object('Ingress', { spec: { defaultBackend: { service: { name: 'web' } }, rules: [{ http: { paths: [{ backend: { service: { name: 'api' } } }, { backend: { service: { name: 'web' } } }] } }] } });
    expect(relatedObjects(ingress).map((r) => r.name)).toEqual(['web', 'api']);
  });

  it('writes the pod selector of workloads and services', () => {
    const deployment = object('Deployment', {
      spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'canary', operator: 'DoesNotExist' }] } },
    });
    expect(podSelector(deployment)).toBe('app=web,tier in (a,b),!canary');
    expect(podSelector(object('Service', { spec: { selector: { app: 'web' } } }))).toBe('app=web');
    expect(podSelector(object('Service', { spec: {} }))).toBeNull();
    expect(podSelector(object('ConfigMap', {}))).toBeNull();
  });
});
