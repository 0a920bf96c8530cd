import { describe, expect, it } from 'vitest';
import { gitopsPath, isRunning, nextActions, remediationApiPath, remediationRoute, remediationViewFromSearch, remediationViewToSearch, targetLabel } from './remediation';

describe('the remediation queue in the URL', () => {
  it('shows what waits for a decision by default', () => {
    const view = remediationViewFromSearch(new URLSearchParams(''));
    expect(view).toEqual({ state: 'proposed', selected: null });
    expect(remediationViewToSearch(view).toString()).toBe('');
    expect(remediationApiPath(view)).toBe('/api/remediation?state=proposed&limit=100');
  });

  it('round-trips every state, all of them, and the item open', () => {
    const all = remediationViewFromSearch(new URLSearchParams('state=all&remediation=r1'));
    expect(all).toEqual({ state: '', selected: 'r1' });
    expect(remediationViewToSearch(all).toString()).toBe('state=all&remediation=r1');
    expect(remediationApiPath(all, 10, 'tok')).toBe('/api/remediation?limit=10&continue=tok');
    expect(remediationViewFromSearch(new URLSearchParams('state=executed')).state).toBe('executed');
    expect(remediationViewFromSearch(new URLSearchParams('state=bogus')).state).toBe('proposed');
    expect(remediationRoute('r 1')).toBe('/remediation?state=all&remediation=r+1');
  });

  it("lists an incident's remediations and names the GitOps artifact", () => {
    expect(remediationApiPath({ incidentId: 'i1' })).toBe('/api/remediation?incidentId=i1&limit=100');
    expect(gitopsPath('r1')).toBe('/api/remediation/r1/gitops');
    expect(gitopsPath('r1', 'patch')).toBe('/api/remediation/r1/gitops?format=patch');
  });
});

describe('an item', () => {
  it('labels its target', () => {
    const target = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespace: 'shop', name: 'web' };
    expect(targetLabel(target)).toBe('Deployment shop/web');
    expect(targetLabel({ ...target, kind: 'Node', namespace: undefined, name: 'node-1' })).toBe('Node node-1');
  });

  it('offers the decisions its state allows', () => {
    expect(nextActions({ state: 'proposed' })).toEqual(['approve', 'reject']);
    expect(nextActions({ state: 'approved' })).toEqual(['execute']);
    expect(nextActions({ state: 'executed' })).toEqual([]);
    expect(nextActions({ state: 'rejected' })).toEqual([]);
  });

  it('knows a running execution from an abandoned one', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const running = { state: 'approved' as const, executedAt: '2026-12-06T11:58:00Z' };
    expect(isRunning(running, now)).toBe(true);
    expect(nextActions(running, now)).toEqual([]);
    const abandoned = { ...running, executedAt: '2026-12-06T11:49:00Z' };
    expect(isRunning(abandoned, now)).toBe(false);
    expect(nextActions(abandoned, now)).toEqual(['execute']);
    expect(isRunning({ state: 'executed', executedAt: running.executedAt }, now)).toBe(false);
  });
});
