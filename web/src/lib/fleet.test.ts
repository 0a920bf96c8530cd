import { describe, expect, it } from 'vitest';
import {
  clusterCount,
  environmentCounts,
  filterFleet,
  fleetErrorLabel,
  hotSignalChips,
  NO_FILTER,
  statusCounts,
  statusTone,
  toggleEnvironment,
} from './fleet';

describe('fleet', () => {
  it('colours statuses', () => {
    expect(statusTone('healthy')).toBe('good');
    expect(statusTone('degraded')).toBe('warn');
    expect(statusTone('denied')).toBe('warn');
    expect(statusTone('unreachable')).toBe('bad');
    expect(statusTone('unknown')).toBe('neutral');
    expect(statusTone('something-new')).toBe('neutral');
  });

  it('orders the rollup status counts and drops zeros', () => {
    expect(statusCounts({ byStatus: { unknown: 1, healthy: 3, weird: 2, degraded: 0, unreachable: 1 } })).toEqual([
      ['healthy', 3],
      ['unreachable', 1],
      ['unknown', 1],
      ['weird', 2],
    ]);
    expect(statusCounts({ byStatus: {} })).toEqual([]);
  });

  it('sorts environments and counts clusters', () => {
    expect(environmentCounts({ byEnvironment: { prod: 2, dev: 1 } })).toEqual([
      ['dev', 1],
      ['prod', 2],
    ]);
    expect(clusterCount(1)).toBe('1 cluster');
    expect(clusterCount(0)).toBe('0 clusters');
  });

  const items = [
    { name: 'a', environment: 'dev', status: 'healthy' as const },
    { name: 'b', environment: 'prod', status: 'unreachable' as const },
    { name: 'c', environment: 'stage', status: 'healthy' as const },
  ];

  it('filters by environments and status', () => {
    expect(filterFleet(items, NO_FILTER).map((i) => i.name)).toEqual(['a', 'b', 'c']);
    expect(filterFleet(items, { environments: ['dev', 'prod'], status: null }).map((i) => i.name)).toEqual(['a', 'b']);
    expect(filterFleet(items, { environments: [], status: 'healthy' }).map((i) => i.name)).toEqual(['a', 'c']);
    expect(filterFleet(items, { environments: ['prod'], status: 'healthy' })).toEqual([]);
  });

  it('toggles environments', () => {
    const on = toggleEnvironment(NO_FILTER, 'dev');
    expect(on.environments).toEqual(['dev']);
    expect(toggleEnvironment(on, 'dev').environments).toEqual([]);
    expect(NO_FILTER.environments).toEqual([]);
  });

  it('shows hot signals only above zero', () => {
    expect(hotSignalChips(null)).toEqual([]);
    expect(hotSignalChips({ crashLoopBackOff: 0, imagePullBackOff: 2, oomKilled: 1, notReady: 0 })).toEqual([
      { key: 'oomKilled', label: 'OOMKilled', count: 1, tone: 'bad' },
      { key: 'imagePullBackOff', label: 'ImagePullBackOff', count: 2, tone: 'warn' },
    ]);
  });

  it('names error codes', () => {
    expect(fleetErrorLabel('timeout')).toBe('timed out');
    expect(fleetErrorLabel('other')).toBe('error');
  });
});
