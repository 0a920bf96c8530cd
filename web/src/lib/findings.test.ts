import { describe, expect, it } from 'vitest';
import {
  bySeverity,
  classLabel,
  countBySeverity,
  EMPTY_FINDING_FILTERS,
  FINDING_CLASSES,
  findingsApiPath,
  findingsRoute,
  findingsViewFromSearch,
  findingsViewToSearch,
  objectLabel,
  objectRoute,
  remediationLabel,
  severityTone,
} from './findings';
import { resource } from './testResources';

describe('findings filters in the URL', () => {
  it('reads an empty URL as open findings, unfiltered, none selected', () => {
    const view = findingsViewFromSearch(new URLSearchParams(''));
    expect(view).toEqual({ filters: EMPTY_FINDING_FILTERS, selected: null });
    expect(findingsViewToSearch(view).toString()).toBe('');
    expect(findingsApiPath(view.filters)).toBe('/api/diagnostics?limit=100');
  });

  it('round-trips every filter and the selected finding', () => {
    const search = 'cluster=prod&namespace=shop&kind=Pod&name=db-1&severity=critical&class=pod_crash_loop&state=all&finding=abc';
    const view = findingsViewFromSearch(new URLSearchParams(search));
    expect(view.filters).toEqual({ cluster: 'prod', namespace: 'shop', kind: 'Pod', name: 'db-1', severity: 'critical', class: 'pod_crash_loop', state: 'all' });
    expect(view.selected).toBe('abc');
    expect(findingsViewToSearch(view).toString()).toBe(search);
  });

  it('drops values the API would refuse and trims text', () => {
    const view = findingsViewFromSearch(new URLSearchParams('severity=high&class=nope&state=closed&cluster=%20prod%20&name='));
    expect(view.filters).toEqual({ ...EMPTY_FINDING_FILTERS, cluster: 'prod' });
  });

  it('keeps the default state out of the URL but asks the API for the others', () => {
    expect(findingsRoute({ state: 'open', cluster: 'a' })).toBe('/findings?cluster=a');
    expect(findingsRoute({ state: 'resolved' })).toBe('/findings?state=resolved');
    expect(findingsRoute()).toBe('/findings');
    expect(findingsApiPath({ ...EMPTY_FINDING_FILTERS, state: 'resolved', severity: 'warning' }, 20)).toBe('/api/diagnostics?severity=warning&state=resolved&limit=20');
  });

  it('asks for the next page with the continue token, encoded', () => {
    expect(findingsApiPath({ cluster: 'a b' }, 50, 'tok+/=')).toBe('/api/diagnostics?cluster=a+b&limit=50&continue=tok%2B%2F%3D');
    expect(findingsApiPath({ cluster: 'a' }, 50, null)).toBe('/api/diagnostics?cluster=a&limit=50');
  });

  it('filters to one object', () => {
    expect(findingsRoute({ cluster: 'prod', namespace: 'shop', kind: 'Pod', name: 'db-1' })).toBe('/findings?cluster=prod&namespace=shop&kind=Pod&name=db-1');
  });
});

describe('severities', () => {
  const f = (id: string, severity: 'critical' | 'warning' | 'info') => ({ id, severity });

  it('orders the most severe first and keeps the order within a severity', () => {
    const sorted = bySeverity([f('a', 'info'), f('b', 'warning'), f('c', 'critical'), f('d', 'warning'), f('e', 'critical')]);
    expect(sorted.map((x) => x.id)).toEqual(['c', 'e', 'b', 'd', 'a']);
  });

  it('counts each severity, zero for the absent ones', () => {
    expect(countBySeverity([f('a', 'warning'), f('b', 'critical'), f('c', 'warning')])).toEqual({ critical: 1, warning: 2, info: 0 });
    expect(countBySeverity([])).toEqual({ critical: 0, warning: 0, info: 0 });
  });

  it('gives each severity its tone', () => {
    expect([severityTone('critical'), severityTone('warning'), severityTone('info')]).toEqual(['bad', 'warn', 'info']);
  });
});

describe('labels', () => {
  it('names every class once', () => {
    expect(new Set(FINDING_CLASSES).size).toBe(FINDING_CLASSES.length);
    expect(FINDING_CLASSES).toContain('pod_crash_loop');
    expect(classLabel('pod_crash_loop')).toBe('Pod crash loop');
    expect(remediationLabel('patch_memory_limit')).toBe('Raise the memory limit');
  });

  it('writes an object as Kind namespace/name', () => {
    expect(objectLabel({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'db-1' })).toBe('Pod shop/db-1');
    expect(objectLabel({ apiVersion: 'v1', kind: 'Node', name: 'node-0' })).toBe('Node node-0');
  });
});

describe('object links', () => {
  it('links the kinds the analyzers look at without the served resources', () => {
    expect(objectRoute('prod', { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'db-1' })).toBe('/clusters/prod/resources/core/v1/pods/shop/db-1');
    expect(objectRoute('prod', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'api' })).toBe('/clusters/prod/resources/apps/v1/deployments/shop/api');
    expect(objectRoute('prod', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'api' })).toBe(
      '/clusters/prod/resources/autoscaling/v2/horizontalpodautoscalers/shop/api',
    );
  });

  it('drops the namespace of a cluster-scoped kind', () => {
    expect(objectRoute('prod', { apiVersion: 'v1', kind: 'Node', namespace: 'default', name: 'node-0' })).toBe('/clusters/prod/resources/core/v1/nodes/node-0');
  });

  it('encodes the cluster, namespace and name', () => {
    expect(objectRoute('a/b', { apiVersion: 'v1', kind: 'Secret', namespace: 'n s', name: 'x?y' })).toBe('/clusters/a%2Fb/resources/core/v1/secrets/n%20s/x%3Fy');
  });

  it('links a custom kind by the served resources, and nothing without them', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'shop', name: 'w' };
    expect(objectRoute('prod', widget)).toBeNull();
    const served = [resource('example.com', 'v1', 'widgets', 'Widget'), resource('example.com', 'v1', 'clusterwidgets', 'ClusterWidget', { namespaced: false })];
    expect(objectRoute('prod', widget, served)).toBe('/clusters/prod/resources/example.com/v1/widgets/shop/w');
    expect(objectRoute('prod', { ...widget, kind: 'ClusterWidget' }, served)).toBe('/clusters/prod/resources/example.com/v1/clusterwidgets/w');
  });

  it('links a kind of an unknown group to nothing', () => {
    expect(objectRoute('prod', { apiVersion: 'other.io/v1', kind: 'Pod', namespace: 'shop', name: 'p' })).toBeNull();
  });
});
