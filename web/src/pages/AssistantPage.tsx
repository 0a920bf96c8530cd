import { useQuery } from '@tanstack/react-query';
import { paths } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { RagTelemetry } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { AssistantPanel } from '../components/AssistantPanel';
import { ErrorPanel } from '../components/ErrorPanel';
import { Time } from '../components/Time';
import { hasRoleAtLeast } from '../lib/roles';
import { formatPercent } from '../lib/signals';

/** The assistant, and (operators and up, as the API allows) how it has been used this week. */
export function AssistantPage() {
  const operator = hasRoleAtLeast(useCurrentUser().roles, 'operator');
  return (
    <>
      <h1>Assistant</h1>
      <p className="muted">Answers from Fleetdeck’s runbooks, incidents, findings and docs, citing them.</p>
      <section className="panel">
        <AssistantPanel />
      </section>
      {operator ? <Telemetry /> : null}
    </>
  );
}

function Telemetry() {
  const telemetry = useQuery(apiQuery<RagTelemetry>(`${paths.ragTelemetry}?days=7`));
  const t = telemetry.data;
  return (
    <section className="panel" aria-label="Assistant usage" data-testid="rag-telemetry">
      <h2>Usage, last 7 days</h2>
      {telemetry.error ? <ErrorPanel error={telemetry.error} onRetry={() => void telemetry.refetch()} /> : null}
      {t ? (
        <>
          <dl className="facts">
            <dt>Questions</dt>
            <dd data-testid="rag-queries">
              {t.queries} since <Time value={t.since} />
            </dd>
            <dt>By mode</dt>
            <dd>
              {t.byMode.extractive} extractive, {t.byMode.model} model ({t.modelFallbacks} model fallbacks)
            </dd>
            <dt>Latency</dt>
            <dd>
              p50 {t.latencyMs.p50} ms, p95 {t.latencyMs.p95} ms
            </dd>
            <dt>Answered with citations</dt>
            <dd>{formatPercent(t.answeredWithCitationsRate)}</dd>
            <dt>Feedback</dt>
            <dd>
              {t.feedback.helpful} helpful, {t.feedback.unhelpful} not helpful
            </dd>
          </dl>
          {t.topCited.length > 0 ? (
            <table className="table" aria-label="Most cited">
              <thead>
                <tr>
                  <th>Most cited</th>
                  <th>Kind</th>
                  <th>Answers</th>
                </tr>
              </thead>
              <tbody>
                {t.topCited.map((c) => (
                  <tr key={`${c.kind}:${c.id}`}>
                    <td>{c.title}</td>
                    <td>{c.kind}</td>
                    <td>{c.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
