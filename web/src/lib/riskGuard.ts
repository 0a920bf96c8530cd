// The risk guard's answer as the apply views show it: findings in the order to read them, the
// object each names, and whether the policy keeps the Apply button off.
import type { RiskAnalysis, RiskFinding, RiskGuardPolicy, RiskSeverity } from '../api/types';

const SEVERITY_RANK: Record<RiskSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Blocking findings first, then by severity (worst first), then in document order. */
export function sortFindings(findings: readonly RiskFinding[]): RiskFinding[] {
  return [...findings].sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.object.document - b.object.document ||
      a.path.localeCompare(b.path),
  );
}

/** `Deployment shop/web`, with the container when the finding is about one. */
export function findingObject(f: RiskFinding): string {
  const name = f.object.namespace ? `${f.object.namespace}/${f.object.name}` : f.object.name;
  return `${f.object.kind} ${name}${f.container ? ` (container ${f.container})` : ''}`;
}

/** The badge tone of a severity. */
export function severityTone(severity: RiskSeverity): 'bad' | 'warn' | 'neutral' {
  return severity === 'critical' || severity === 'high' ? 'bad' : severity === 'medium' ? 'warn' : 'neutral';
}

/** Why Apply is off: the policy is `block` and the analysis has blocking findings; else null. */
export function blockedReason(policy: RiskGuardPolicy | undefined, analysis: RiskAnalysis | undefined): string | null {
  if (policy !== 'block' || !analysis || analysis.blocking === 0) return null;
  const n = analysis.blocking;
  return `The risk guard blocks this apply: ${n} blocking finding${n === 1 ? '' : 's'} to fix first.`;
}
