import { describe, expect, it } from 'vitest';
import type { RiskAnalysis, RiskFinding } from '../api/types';
import { blockedReason, findingObject, severityTone, sortFindings } from './riskGuard';

function finding(over: Partial<RiskFinding>): RiskFinding {
  return {
    check: 'missing_liveness_probe',
    severity: 'low',
    blocking: false,
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', document: 1 },
    path: 'spec.template.spec.containers[0].livenessProbe',
    explanation: 'no livenessProbe',
    ...over,
  };
}

function analysis(findings: RiskFinding[]): RiskAnalysis {
  return { score: 50, blocking: findings.filter((f) => f.blocking).length, documents: 1, findings, errors: [], skipped: [] };
}

describe('sortFindings', () => {
  it('puts blocking findings first, then the worst, then document order', () => {
    const low = finding({});
    const medium2 = finding({ check: 'image_latest_tag', severity: 'medium', object: { ...low.object, document: 2 } });
    const medium1 = finding({ check: 'missing_resource_requests', severity: 'medium' });
    const blockingHigh = finding({ check: 'run_as_root', severity: 'high', blocking: true });
    const blockingCritical = finding({ check: 'privileged_container', severity: 'critical', blocking: true, object: { ...low.object, document: 3 } });
    const sorted = sortFindings([low, medium2, blockingHigh, medium1, blockingCritical]);
    expect(sorted.map((f) => f.check)).toEqual(['privileged_container', 'run_as_root', 'missing_resource_requests', 'image_latest_tag', 'missing_liveness_probe']);
  });
});

describe('findingObject', () => {
  it('names the kind, namespace, name and container', () => {
    expect(findingObject(finding({ container: 'app' }))).toBe('Deployment shop/web (container app)');
    expect(findingObject(finding({ object: { apiVersion: 'v1', kind: 'Namespace', name: 'shop', document: 2 } }))).toBe('Namespace shop');
  });
});

describe('severityTone', () => {
  it('marks critical and high as bad', () => {
    expect(['critical', 'high', 'medium', 'low'].map((s) => severityTone(s as RiskFinding['severity']))).toEqual(['bad', 'bad', 'warn', 'neutral']);
  });
});

describe('blockedReason', () => {
  const blocking = analysis([finding({ check: 'privileged_container', severity: 'critical', blocking: true })]);
  it('blocks only under the block policy with blocking findings', () => {
    expect(blockedReason('block', blocking)).toBe('The risk guard blocks this apply: 1 blocking finding to fix first.');
    expect(blockedReason('warn', blocking)).toBeNull();
    expect(blockedReason('off', blocking)).toBeNull();
    expect(blockedReason('block', analysis([finding({})]))).toBeNull();
    expect(blockedReason('block', undefined)).toBeNull();
    expect(blockedReason(undefined, blocking)).toBeNull();
  });
});
