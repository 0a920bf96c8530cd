import { describe, expect, it } from 'vitest';
import { isCustomGroup, kindLabel, sidebarSections } from './sidebar';
import { resource } from './testResources';

const served = [
  resource('', 'v1', 'pods', 'Pod'),
  resource('', 'v1', 'nodes', 'Node', { namespaced: false }),
  resource('', 'v1', 'events', 'Event'),
  resource('', 'v1', 'secrets', 'Secret'),
  resource('apps', 'v1', 'deployments', 'Deployment'),
  resource('autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', { preferred: false }),
  resource('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  resource('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', { namespaced: false }),
  resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', { namespaced: false }),
  resource('authorization.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', { verbs: ['create'] }),
  resource('example.com', 'v1beta1', 'widgets', 'Widget', { preferred: false }),
  resource('example.com', 'v1', 'widgets', 'Widget'),
  resource('example.com', 'v1', 'gadgets', 'Gadget'),
  resource('cert-manager.io', 'v1', 'certificates', 'Certificate'),
  resource('gateway.networking.k8s.io', 'v1', 'gateways', 'Gateway'),
  resource('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics', { verbs: ['get', 'list'] }),
];

describe('sidebarSections', () => {
  const sections = sidebarSections(served);
  const titles = sections.map((s) => s.title);
  const labels = (title: string) => sections.find((s) => s.title === title)?.entries.map((e) => e.label);

  it('groups the built-in kinds the cluster serves, in Headlamp order', () => {
    expect(titles).toEqual(['Cluster', 'Workloads', 'Config', 'Access control', 'Custom resources']);
    expect(labels('Cluster')).toEqual(['Nodes', 'Events']);
    expect(labels('Workloads')).toEqual(['Pods', 'Deployments']);
    expect(labels('Config')).toEqual(['Secrets', 'HPAs']);
    expect(labels('Access control')).toEqual(['Cluster roles']);
  });

  it('picks the preferred version', () => {
    const hpa = sections.find((s) => s.title === 'Config')?.entries.find((e) => e.label === 'HPAs');
    expect(hpa?.kind).toEqual({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' });
  });

  it('lists every custom group, sorted, with its kinds by name', () => {
    const custom = sections.find((s) => s.title === 'Custom resources');
    expect(custom?.entries.map((e) => e.label)).toEqual(['Definitions']);
    expect(custom?.groups?.map((g) => [g.group, g.entries.map((e) => `${e.label}@${e.kind.version}`)])).toEqual([
      ['cert-manager.io', ['Certificate@v1']],
      ['example.com', ['Gadget@v1', 'Widget@v1']],
      ['gateway.networking.k8s.io', ['Gateway@v1']],
    ]);
  });

  it('leaves out empty sections and kinds that cannot be listed', () => {
    const onlyPods = sidebarSections([resource('', 'v1', 'pods', 'Pod'), resource('metrics.k8s.io', 'v1beta1', 'pods', 'PodMetrics', { verbs: ['get', 'list'] })]);
    expect(onlyPods.map((s) => s.title)).toEqual(['Workloads']);
  });

  it('knows the Kubernetes groups from custom ones', () => {
    expect(isCustomGroup('')).toBe(false);
    expect(isCustomGroup('networking.k8s.io')).toBe(false);
    expect(isCustomGroup('gateway.networking.k8s.io')).toBe(true);
  });

  it('labels kinds as the sidebar does', () => {
    expect(kindLabel(served, { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' })).toBe('HPAs');
    expect(kindLabel(served, { group: 'example.com', version: 'v1', resource: 'widgets' })).toBe('Widget');
    expect(kindLabel(served, { group: 'x.io', version: 'v1', resource: 'things' })).toBe('things');
  });
});
