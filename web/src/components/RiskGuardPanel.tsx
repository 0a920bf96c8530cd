import type { ApiError } from '../api/client';
import type { RiskAnalysis } from '../api/types';
import { findingObject, severityTone, sortFindings } from '../lib/riskGuard';
import { Badge } from './Badge';

/**
 * The risk guard's findings on the manifests being edited: the score, each finding (severity,
 * check, object, explanation) with the blocking ones marked, documents that cannot be read, and
 * checks that did not run.
 */
export function RiskGuardPanel({ analysis, error, pending }: { analysis: RiskAnalysis | undefined; error: ApiError | null; pending: boolean }) {
  if (error) {
    return (
      <p className="hint" data-testid="risk-guard">
        Risk guard unavailable: {error.message}
      </p>
    );
  }
  if (!analysis) {
    return pending ? (
      <p className="hint" data-testid="risk-guard">
        Risk guard: checking…
      </p>
    ) : null;
  }
  const findings = sortFindings(analysis.findings);
  return (
    <section aria-label="Risk guard" data-testid="risk-guard" data-score={analysis.score} data-blocking={analysis.blocking}>
      <h3 className="subhead">
        Risk guard: score {analysis.score}/100, {analysis.blocking} blocking, {findings.length} finding{findings.length === 1 ? '' : 's'}
        {pending ? ' (checking…)' : ''}
      </h3>
      {analysis.errors.map((e) => (
        <p key={e.document} className="text-warn" data-testid="risk-guard-error">
          Document {e.document}: {e.message} ({e.code})
        </p>
      ))}
      {findings.length > 0 ? (
        <table className="table" data-testid="risk-guard-findings">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Check</th>
              <th>Object</th>
              <th>Explanation</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((f) => (
              <tr key={`${f.object.document}|${f.path}|${f.check}`} data-check={f.check} data-blocking={f.blocking}>
                <td>
                  <Badge tone={severityTone(f.severity)}>{f.severity}</Badge> {f.blocking ? <Badge tone="bad">blocking</Badge> : null}
                </td>
                <td>
                  <code>{f.check}</code>
                </td>
                <td>
                  #{f.object.document} {findingObject(f)}
                  <br />
                  <code className="hint">{f.path}</code>
                </td>
                <td>{f.explanation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {analysis.skipped.map((s) => (
        <p key={s.check} className="hint">
          Not checked ({s.check}): {s.reason}
        </p>
      ))}
    </section>
  );
}
