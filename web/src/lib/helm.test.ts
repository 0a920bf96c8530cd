import { describe, expect, it } from 'vitest';
import type { HelmRelease, HelmReleaseDiff } from '../api/types';
import { diffLines, diffPair, diffSummary, filterReleases, formatValue, releaseStatusTone, releaseTab, revisionParam } from './helm';

const release = (name: string, revision: number, extra: Partial<HelmRelease> = {}): HelmRelease => ({
  name,
  namespace: 'shop',
  revision,
  status: 'deployed',
  chart: 'greeter',
  chartVersion: '0.1.0',
  description: 'Install complete',
  ...extra,
});

describe('helm', () => {
  it('colours statuses', () => {
    expect(['deployed', 'failed', 'pending-upgrade', 'uninstalling', 'superseded', 'uninstalled'].map(releaseStatusTone)).toEqual([
      'good',
      'bad',
      'warn',
      'warn',
      'neutral',
      'neutral',
    ]);
  });

  it('reads the tab and revisions from the URL', () => {
    expect(releaseTab('diff')).toBe('diff');
    expect(releaseTab('yaml')).toBe('overview');
    expect(releaseTab(null)).toBe('overview');
    expect([revisionParam('3'), revisionParam('0'), revisionParam('-1'), revisionParam('2x'), revisionParam(null)]).toEqual([3, null, null, null, null]);
  });

  it('compares the newest revision with the one before it, across gaps', () => {
    const history = [release('a', 7), release('a', 4), release('a', 3)];
    expect(diffPair(history, null, null)).toEqual({ from: 4, to: 7 });
    expect(diffPair(history, null, 4)).toEqual({ from: 3, to: 4 });
    expect(diffPair(history, 3, null)).toEqual({ from: 3, to: 7 });
    expect(diffPair(history, null, 3)).toEqual({ from: null, to: 3 });
    expect(diffPair([], null, null)).toEqual({ from: null, to: null });
  });

  it('filters by name, namespace and chart', () => {
    const items = [release('web', 1), release('db', 1, { namespace: 'data', chart: 'postgresql' })];
    expect(filterReleases(items, 'POSTGRES').map((r) => r.name)).toEqual(['db']);
    expect(filterReleases(items, 'shop').map((r) => r.name)).toEqual(['web']);
    expect(filterReleases(items, ' ')).toHaveLength(2);
  });

  it('shows values as JSON', () => {
    expect([formatValue('1'), formatValue(1), formatValue({ a: [true] }), formatValue(undefined), formatValue(null)]).toEqual(['"1"', '1', '{"a":[true]}', '—', 'null']);
  });

  it('sums a diff up', () => {
    const diff: HelmReleaseDiff = {
      from: release('a', 1),
      to: release('a', 2),
      values: { added: [{ path: 'x', to: 1 }], removed: [], changed: [{ path: 'y', from: 1, to: 2 }] },
      userValues: { added: [], removed: [], changed: [] },
      manifest: { resources: [{ change: 'added', resource: { kind: 'Service', name: 'a', apiVersion: 'v1' } }], unchanged: 2 },
    };
    expect(diffSummary(diff)).toBe('2 values and 1 object changed, 2 objects unchanged');
  });

  it('cuts a unified diff into coloured lines', () => {
    const unified = '--- a (revision 1)\n+++ a (revision 2)\n@@ -1,2 +1,2 @@\n name: a\n-  k: 1\n+  k: 2\n';
    expect(diffLines(unified).map((l) => l.kind)).toEqual(['header', 'header', 'hunk', 'context', 'removed', 'added']);
    expect(diffLines(unified)[4].text).toBe('-  k: 1');
  });
});
