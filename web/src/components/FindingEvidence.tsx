import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { createIncident, findingPath, proposeRemediation } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { ContainerEvidence, ResourceInfo, StoredFinding } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { useApiMutation } from '../hooks/useApiMutation';
import { useNow } from '../hooks/useNow';
import { classLabel, remediationLabel } from '../lib/findings';
import { incidentRoute } from '../lib/incidents';
import { remediationRoute } from '../lib/remediation';
import { hasRoleAtLeast } from '../lib/roles';
import { Badge, SeverityBadge } from './Badge';
import { ErrorPanel } from './ErrorPanel';
import { FindingRunbooks } from './FindingRunbooks';
import { FindingObjectLink } from './FindingsTable';
import { Loading } from './Loading';
import { Age, Time } from './Time';

/** One finding's evidence, read whole (GET /api/diagnostics/{id}: with its containers' last log lines); in an incident's workbench, `incidentId` links what is proposed to it. */
export function FindingEvidence({ id, resources, incidentId, onClose }: { id: string; resources?: readonly ResourceInfo[]; incidentId?: string; onClose: () => void }) {
  const finding = useQuery(apiQuery<StoredFinding>(findingPath(id)));
  return (
    <section className="panel finding-evidence" aria-label="Evidence" data-testid="finding-evidence">
      <div className="table-toolbar">
        <h2>{finding.data?.title ?? 'Evidence'}</h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {finding.error ? (
        <ErrorPanel error={finding.error} title="Cannot read the finding" onRetry={() => void finding.refetch()} />
      ) : !finding.data ? (
        <Loading />
      ) : (
        <EvidenceBody finding={finding.data} resources={resources} incidentId={incidentId} />
      )}
    </section>
  );
}

function EvidenceBody({ finding, resources, incidentId }: { finding: StoredFinding; resources?: readonly ResourceInfo[]; incidentId?: string }) {
  const { evidence } = finding;
  const now = useNow();
  const facts = Object.entries(evidence.facts);
  return (
    <>
      <dl className="facts" data-testid="finding-summary">
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={finding.severity} />
        </dd>
        <dt>Class</dt>
        <dd>{classLabel(finding.class)}</dd>
        <dt>Object</dt>
        <dd>
          <FindingObjectLink cluster={finding.cluster} object={finding.object} resources={resources} />
        </dd>
        <dt>Cluster</dt>
        <dd>{finding.cluster}</dd>
        <dt>First seen</dt>
        <dd>
          <Age value={finding.firstSeen} now={now} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Age value={finding.lastSeen} now={now} />
        </dd>
        {finding.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd>
              <Time value={finding.resolvedAt} />
            </dd>
          </>
        ) : null}
      </dl>
      <p className="finding-explanation" data-testid="finding-explanation">
        {finding.explanation}
      </p>

      {evidence.containers.length > 0 ? (
        <>
          <h3 className="subhead">Containers</h3>
          <ContainersEvidence containers={evidence.containers} />
        </>
      ) : null}

      {evidence.events.length > 0 ? (
        <>
          <h3 className="subhead">Warning events</h3>
          <table className="table" data-testid="finding-events">
            <thead>
              <tr>
                <th>Reason</th>
                <th>Message</th>
                <th>Count</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {evidence.events.map((e, i) => (
                <tr key={`${e.reason}/${i}`}>
                  <td>{e.reason}</td>
                  <td>{e.message}</td>
                  <td>{e.count}</td>
                  <td>
                    <Age value={e.lastSeen} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      {evidence.related.length > 0 ? (
        <>
          <h3 className="subhead">Related objects</h3>
          <ul className="related-list" data-testid="finding-related">
            {evidence.related.map((r) => (
              <li key={`${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`}>
                <FindingObjectLink cluster={finding.cluster} object={r} resources={resources} />
                {/* No uid: the object does not exist, which is often the finding. */}
                {r.uid ? null : <span className="muted"> (missing)</span>}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {facts.length > 0 ? (
        <>
          <h3 className="subhead">Key facts</h3>
          <dl className="facts" data-testid="finding-facts">
            {facts.map(([key, value]) => (
              <div key={key} className="fact">
                <dt>{key}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </>
      ) : null}

      {evidence.logs.map((log) => (
        <div key={`${log.pod ?? ''}/${log.container}/${log.previous}`} data-testid="finding-log">
          <h3 className="subhead">
            Logs of {log.pod ? `${log.pod} / ` : ''}
            {log.container}
            {log.previous ? ' (previous instance)' : ''}
          </h3>
          {log.lines.length > 0 ? <pre className="finding-log">{log.lines.join('\n')}</pre> : <p className="muted">No log lines could be read.</p>}
        </div>
      ))}

      {finding.remediations.length > 0 ? (
        <>
          <h3 className="subhead">Suggested remediations</h3>
          <span className="chips" data-testid="finding-remediations">
            {finding.remediations.map((r) => (
              <span key={r} className="chip">
                {remediationLabel(r)}
              </span>
            ))}
          </span>
        </>
      ) : null}

      <FindingRunbooks finding={finding} />
      <FindingActions finding={finding} incidentId={incidentId} />
    </>
  );
}

/**
 * What operators do about an open finding: propose its remediations (each with its exact change
 * and risk, for a second person to approve) and, outside an incident, open one (its steps come
 * from the best-ranked runbook of the finding's class).
 */
function FindingActions({ finding, incidentId }: { finding: StoredFinding; incidentId?: string }) {
  const user = useCurrentUser();
  const navigate = useNavigate();
  const open = useApiMutation(createIncident, changes.incidents);
  const propose = useApiMutation(proposeRemediation, changes.remediation);
  if (!hasRoleAtLeast(user.roles, 'operator') || finding.resolvedAt) return null;
  const skipped = propose.data?.items.length === 0 ? propose.data.skipped : [];
  return (
    <>
      <div className="actions">
        {finding.remediations.length > 0 ? (
          <button
            type="button"
            disabled={propose.isPending}
            onClick={() =>
              propose.mutate({ findingId: finding.id, incidentId }, { onSuccess: (r) => (r.items.length > 0 ? void navigate(remediationRoute(r.items[0].id)) : undefined) })
            }
          >
            Propose remediation
          </button>
        ) : null}
        {incidentId ? null : (
          <button type="button" className="primary" disabled={open.isPending} onClick={() => open.mutate({ findingIds: [finding.id] }, { onSuccess: (d) => void navigate(incidentRoute(d.id)) })}>
            Open incident
          </button>
        )}
      </div>
      {skipped.length > 0 ? (
        <ul className="form-problems" data-testid="proposal-skipped">
          {skipped.map((s) => (
            <li key={s.kind}>
              {remediationLabel(s.kind)}: {s.message}
            </li>
          ))}
        </ul>
      ) : null}
      {open.error ? <ErrorPanel error={open.error} title="No incident opened" /> : null}
      {propose.error ? <ErrorPanel error={propose.error} title="Nothing proposed" /> : null}
    </>
  );
}

function ContainersEvidence({ containers }: { containers: readonly ContainerEvidence[] }) {
  return (
    <div className="table-scroll">
      <table className="table" data-testid="finding-containers">
        <thead>
          <tr>
            <th>Name</th>
            <th>Image</th>
            <th>Ready</th>
            <th>State</th>
            <th>Restarts</th>
            <th>Last exit</th>
            <th>Memory limit</th>
          </tr>
        </thead>
        <tbody>
          {containers.map((c) => (
            <tr key={c.name} data-testid="finding-container" data-name={c.name}>
              <td>{c.name}</td>
              <td>
                <code>{c.image}</code>
              </td>
              <td>{c.ready ? <Badge tone="good">ready</Badge> : <Badge tone="warn">not ready</Badge>}</td>
              <td data-col="state" className={c.state === 'running' ? undefined : 'text-bad'} title={c.message ?? undefined}>
                {[c.state, c.reason].filter(Boolean).join(' · ')}
              </td>
              <td data-col="restarts">{c.restarts}</td>
              <td data-col="lastExit">
                {c.lastExitCode !== null && c.lastExitCode !== undefined ? `exit code ${c.lastExitCode}` : <span className="muted">—</span>}
                {c.lastReason ? ` (${c.lastReason})` : ''}
              </td>
              <td>{c.memoryLimit ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
