import { describe, expect, it } from 'vitest';
import { findResource, isListable, kindId, listApiPath, objectApiPath, preferredResource, resourceOfKind, splitApiVersion } from './kinds';
import { linkRoute, clusterRoutes } from './clusterRoutes';
import { resource } from './testResources';

const pods = { group: '', version: 'v1', resource: 'pods' };
const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };

const served = [
  resource('', 'v1', 'pods', 'Pod'),
  resource('', 'v1', 'nodes', 'Node', { namespaced: false }),
  resource('apps', 'v1', 'deployments', 'Deployment'),
  resource('autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', { preferred: false }),
  resource('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  resource('events.k8s.io', 'v1', 'events', 'Event'),
  resource('', 'v1', 'events', 'Event'),
  resource('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics', { verbs: ['get', 'list'] }),
];

describe('kinds', () => {
  it('writes the core group as core in ids and paths', () => {
    expect(kindId(pods)).toBe('core/v1/pods');
    expect(kindId(deployments)).toBe('apps/v1/deployments');
    expect(listApiPath('prod eu', pods)).toBe('/api/clusters/prod%20eu/resources/core/v1/pods');
    expect(objectApiPath('a', pods, 'shop', 'web-1')).toBe('/api/clusters/a/resources/core/v1/pods/shop/web-1');
    expect(objectApiPath('a', { group: '', version: 'v1', resource: 'nodes' }, null, 'n1')).toBe('/api/clusters/a/resources/core/v1/nodes/n1');
  });

  it('finds served resources, the preferred version first', () => {
    expect(findResource(served, deployments)?.kind).toBe('Deployment');
    expect(findResource(served, { ...deployments, version: 'v1beta1' })).toBeUndefined();
    expect(preferredResource(served, 'autoscaling', 'horizontalpodautoscalers')?.version).toBe('v2');
  });

  it('splits apiVersions', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
  });

  it('resolves a Kind with or without its apiVersion, core first', () => {
    expect(resourceOfKind(served, 'Deployment', 'apps/v1')?.resource).toBe('deployments');
    expect(resourceOfKind(served, 'HorizontalPodAutoscaler', 'autoscaling/v1')?.version).toBe('v1');
    expect(resourceOfKind(served, 'Event')?.group).toBe('');
    expect(resourceOfKind(served, 'Widget')).toBeUndefined();
  });

  it('lists only what can be listed and watched', () => {
    expect(served.filter(isListable).map((r) => r.kind)).not.toContain('PodMetrics');
  });
});

describe('clusterRoutes', () => {
  it('mirrors the API paths', () => {
    expect(clusterRoutes.list('a', pods)).toBe('/clusters/a/resources/core/v1/pods');
    expect(clusterRoutes.detail('a', pods, 'shop', 'web-1')).toBe('/clusters/a/resources/core/v1/pods/shop/web-1');
    expect(clusterRoutes.detail('a', pods, 'shop', 'web-1', 'logs')).toBe('/clusters/a/resources/core/v1/pods/shop/web-1?tab=logs');
  });

  it('adds the view to a list route, leaving defaults out', () => {
    const view = { namespace: 'shop', labelSelector: '', q: '', sort: 'name', order: 'desc' as const };
    expect(clusterRoutes.list('a', pods, { view, defaultSort: 'name' })).toBe('/clusters/a/resources/core/v1/pods?namespace=shop&order=desc');
  });

  it('links a Kind to its page, dropping the namespace of cluster-scoped kinds', () => {
    expect(linkRoute('a', served, { kind: 'Node', namespace: 'default', name: 'n1' })).toBe('/clusters/a/resources/core/v1/nodes/n1');
    expect(linkRoute('a', served, { kind: 'Deployment', apiVersion: 'apps/v1', namespace: 'shop', name: 'web' })).toBe(
      '/clusters/a/resources/apps/v1/deployments/shop/web',
    );
    expect(linkRoute('a', served, { kind: 'Widget', namespace: 'shop', name: 'w' })).toBeNull();
  });
});
