import { describe, expect, it } from 'vitest';
import type { ResourceRow, RowSummary } from '../api/types';
import { columnsFor, defaultSort, filterByName, rowStatusTone, sortRows, type ColumnDef } from './columns';
import { resource } from './testResources';

const now = Date.parse('2026-01-10T12:00:00Z');

function row(name: string, summary: RowSummary, more: Partial<ResourceRow> = {}): ResourceRow {
  return { name, namespace: 'shop', uid: `uid-${name}`, createdAt: '2026-01-10T11:00:00Z', labels: {}, status: '', restarts: 0, summary, ...more };
}

const podSummary = (ready: number, of: number, node: string | null = 'node-1'): RowSummary => ({
  type: 'pod',
  phase: 'Running',
  readyContainers: ready,
  containers: of,
  node,
  podIp: '10.0.0.1',
  reason: null,
});

const pods = { group: '', version: 'v1', resource: 'pods' };
const cells = (columns: ColumnDef[], r: ResourceRow) => Object.fromEntries(columns.map((c) => [c.id, c.text(r, now)]));
const column = (columns: ColumnDef[], id: string) => {
  const found = columns.find((c) => c.id === id);
  if (!found) throw new Error(`no column ${id}`);
  return found;
};

describe('columnsFor', () => {
  it('shows pods as kubectl get pods -o wide does', () => {
    const columns = columnsFor(pods, resource('', 'v1', 'pods', 'Pod'), { oneNamespace: false });
    expect(columns.map((c) => c.header)).toEqual(['Name', 'Namespace', 'Ready', 'Status', 'Restarts', 'Node', 'IP', 'Age']);
    const web = row('web-1', podSummary(1, 2), { status: 'CrashLoopBackOff', restarts: 4 });
    expect(cells(columns, web)).toEqual({ name: 'web-1', namespace: 'shop', ready: '1/2', status: 'CrashLoopBackOff', restarts: '4', node: 'node-1', ip: '10.0.0.1', age: '60m' });
    expect(column(columns, 'status').tone?.(web)).toBe('bad');
    expect(column(columns, 'ready').tone?.(web)).toBe('warn');
    expect(column(columns, 'node').link?.(web)).toEqual({ kind: 'Node', namespace: null, name: 'node-1' });
    expect(column(columns, 'node').link?.(row('p', podSummary(0, 1, null)))).toBeNull();
    expect(column(columns, 'name').link?.(web)).toBe('self');
  });

  it('leaves the namespace out for one namespace and for cluster-scoped kinds', () => {
    expect(columnsFor(pods, resource('', 'v1', 'pods', 'Pod'), { oneNamespace: true }).map((c) => c.id)).not.toContain('namespace');
    const nodes = columnsFor({ group: '', version: 'v1', resource: 'nodes' }, resource('', 'v1', 'nodes', 'Node', { namespaced: false }), { oneNamespace: false });
    expect(nodes.map((c) => c.header)).toEqual(['Name', 'Status', 'Roles', 'Version', 'Taints', 'Internal IP', 'Age']);
    const node = row('n1', { type: 'node', ready: true, unschedulable: false, roles: ['control-plane', 'etcd'], kubeletVersion: 'v1.33.1', internalIp: '10.0.0.9', taints: ['a:NoSchedule'] }, { namespace: null, status: 'Ready' });
    expect(cells(nodes, node)).toMatchObject({ roles: 'control-plane, etcd', version: 'v1.33.1', taints: 'a:NoSchedule' });
    expect(column(nodes, 'roles').title?.(node)).toBe('control-plane\netcd');
  });

  it('shows workloads as ready/desired, up-to-date and available', () => {
    const columns = columnsFor({ group: 'apps', version: 'v1', resource: 'deployments' }, undefined, { oneNamespace: false });
    expect(columns.map((c) => c.header)).toEqual(['Name', 'Namespace', 'Ready', 'Up-to-date', 'Available', 'Age']);
    expect(cells(columns, row('web', { type: 'workload', desired: 3, ready: 2, updated: 3, available: 2 }))).toMatchObject({ ready: '2/3', updated: '3', available: '2' });
  });

  it('leads events with what happened, the object linked', () => {
    const columns = columnsFor({ group: '', version: 'v1', resource: 'events' }, undefined, { oneNamespace: false });
    expect(columns.map((c) => c.header)).toEqual(['Type', 'Reason', 'Object', 'Count', 'Message', 'Namespace', 'Last seen']);
    const event = row('web.1', { type: 'event', eventType: 'Warning', reason: 'BackOff', object: 'Pod/web-1', count: 5, message: 'Back-off', lastSeen: '2026-01-10T11:59:00Z' }, { status: 'Warning' });
    expect(cells(columns, event)).toMatchObject({ type: 'Warning', object: 'Pod/web-1', count: '5', lastSeen: '60s' });
    expect(column(columns, 'object').link?.(event)).toEqual({ kind: 'Pod', namespace: 'shop', name: 'web-1' });
    expect(column(columns, 'type').tone?.(event)).toBe('bad');
    expect(defaultSort({ group: '', version: 'v1', resource: 'events' })).toBe('lastSeen');
    expect(defaultSort(pods)).toBe('name');
  });

  it('gives custom resources their printer columns, ages for dates', () => {
    const widgets = resource('example.com', 'v1', 'widgets', 'Widget', {
      printerColumns: [
        { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
        { name: 'Color', type: 'string', jsonPath: '.spec.color' },
        { name: 'Synced', type: 'date', jsonPath: '.status.syncedAt' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    });
    const columns = columnsFor({ group: 'example.com', version: 'v1', resource: 'widgets' }, widgets, { oneNamespace: false });
    expect(columns.map((c) => c.header)).toEqual(['Name', 'Namespace', 'Size', 'Color', 'Synced', 'Age']);
    const widget = row('w', {
      type: 'columns',
      columns: [
        { name: 'Size', type: 'integer', value: 3 },
        { name: 'Color', type: 'string', value: { rgb: 'blue' } },
        { name: 'Synced', type: 'date', value: '2026-01-10T10:00:00Z' },
      ],
    });
    expect(cells(columns, widget)).toMatchObject({ 'column:Size': '3', 'column:Color': '{"rgb":"blue"}', 'column:Synced': '120m' });
  });

  it('has a status column for kinds without a summary', () => {
    const roles = columnsFor({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' }, undefined, { oneNamespace: false });
    expect(roles.map((c) => c.id)).toEqual(['name', 'namespace', 'status', 'age']);
    expect(cells(roles, row('r', { type: 'other' }))).toMatchObject({ status: '—' });
  });

  it('shows secrets with their type and key count, the keys on hover', () => {
    const columns = columnsFor({ group: '', version: 'v1', resource: 'secrets' }, undefined, { oneNamespace: true });
    const secret = row('s', { type: 'data', keys: ['a', 'b'], secretType: 'Opaque' });
    expect(cells(columns, secret)).toEqual({ name: 's', type: 'Opaque', keys: '2', age: '60m' });
    expect(column(columns, 'keys').title?.(secret)).toBe('a\nb');
  });
});

describe('sortRows and filterByName', () => {
  const columns = columnsFor(pods, undefined, { oneNamespace: false });
  const rows = [
    row('pod-10', podSummary(1, 1), { restarts: 0, createdAt: '2026-01-10T10:00:00Z' }),
    row('pod-2', podSummary(0, 1, null), { restarts: 7, createdAt: '2026-01-10T11:00:00Z' }),
    row('Pod-1', podSummary(1, 2), { restarts: 7, createdAt: null }),
  ];
  const names = (sorted: ResourceRow[]) => sorted.map((r) => r.name);

  it('sorts names naturally, either way', () => {
    expect(names(sortRows(rows, column(columns, 'name'), 'asc'))).toEqual(['Pod-1', 'pod-2', 'pod-10']);
    expect(names(sortRows(rows, column(columns, 'name'), 'desc'))).toEqual(['pod-10', 'pod-2', 'Pod-1']);
  });

  it('sorts numbers by value, ties by name', () => {
    expect(names(sortRows(rows, column(columns, 'restarts'), 'desc'))).toEqual(['Pod-1', 'pod-2', 'pod-10']);
  });

  it('sorts ages youngest first and puts empty values last either way', () => {
    expect(names(sortRows(rows, column(columns, 'age'), 'asc'))).toEqual(['pod-2', 'pod-10', 'Pod-1']);
    expect(names(sortRows(rows, column(columns, 'age'), 'desc'))).toEqual(['pod-10', 'pod-2', 'Pod-1']);
    expect(names(sortRows(rows, column(columns, 'node'), 'desc'))).toEqual(['Pod-1', 'pod-10', 'pod-2']);
  });

  it('sorts ready by the fraction ready', () => {
    expect(names(sortRows(rows, column(columns, 'ready'), 'asc'))).toEqual(['pod-2', 'Pod-1', 'pod-10']);
  });

  it('does not change the given rows', () => {
    const before = names(rows);
    sortRows(rows, column(columns, 'name'), 'asc');
    expect(names(rows)).toEqual(before);
  });

  it('filters by a name substring in any case', () => {
    expect(filterByName(rows, ' POD-1')).toHaveLength(2);
    expect(filterByName(rows, '')).toBe(rows);
  });
});

describe('rowStatusTone', () => {
  it('colours status words', () => {
    expect(rowStatusTone('Running')).toBe('good');
    expect(rowStatusTone('Ready,SchedulingDisabled')).toBe('warn');
    expect(rowStatusTone('Pending')).toBe('warn');
    expect(rowStatusTone('Init:0/1')).toBe('warn');
    expect(rowStatusTone('ImagePullBackOff')).toBe('bad');
    expect(rowStatusTone('NotReady')).toBe('bad');
    expect(rowStatusTone('')).toBe('neutral');
  });
});
