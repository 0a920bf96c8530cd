import { useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { apiRequest } from '../api/client';
import { approveRemediation, executeRemediation, rejectRemediation } from '../api/endpoints';
import { apiKey, apiQuery, changes } from '../api/queries';
import type { GitopsArtifact, RemediationItem, RemediationList, RiskAnalysis } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge } from '../components/Badge';
import { CopyButton } from '../components/CopyButton';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { RiskGuardPanel } from '../components/RiskGuardPanel';
import { Time } from '../components/Time';
import { UnifiedDiff } from '../components/UnifiedDiff';
import { useApiMutation } from '../hooks/useApiMutation';
import { remediationLabel } from '../lib/findings';
import { diffLines } from '../lib/helm';
import { incidentRoute } from '../lib/incidents';
import {
  gitopsPath,
  isRunning,
  nextActions,
  REMEDIATION_STATES,
  remediationApiPath,
  remediationPath,
  remediationViewFromSearch,
  remediationViewToSearch,
  stateTone,
  targetLabel,
  type RemediationView,
} from '../lib/remediation';
import { hasRoleAtLeast } from '../lib/roles';

/** The remediation queue: proposals waiting for a second person, approved ones to execute, and what happened. */
export function RemediationPage() {
  const [search, setSearch] = useSearchParams();
  const view = remediationViewFromSearch(search);
  const firstPage = remediationApiPath(view);
  const list = useInfiniteQuery({
    // Under the first page's path; 'pages' keeps it apart from an apiQuery of that path (another shape).
    queryKey: [...apiKey(firstPage), 'pages'],
    queryFn: async ({ pageParam, signal }) => (await apiRequest<RemediationList>(remediationApiPath(view, undefined, pageParam), { signal })).data,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.continue ?? undefined,
    refetchInterval: 10_000,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const show = (next: RemediationView) => setSearch(remediationViewToSearch(next));

  return (
    <>
      <h1>Remediation</h1>
      <p className="muted">
        Changes proposed from findings. Another operator approves each (the two-person rule), then it runs through the same gates, impersonation and audit as the
        console&apos;s buttons.
      </p>
      <section className="panel">
        <div className="table-toolbar">
          <label>
            State
            <select value={view.state} onChange={(e) => show({ state: e.target.value as RemediationView['state'], selected: null })}>
              <option value="">any</option>
              {REMEDIATION_STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          {list.isFetching ? <Loading label="" /> : null}
        </div>
        {list.error ? <ErrorPanel error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.data && items.length === 0 ? <p className="muted">Nothing here.</p> : null}
        {items.length > 0 ? <RemediationTable items={items} selected={view.selected} onSelect={(selected) => show({ ...view, selected })} /> : null}
        {list.hasNextPage ? (
          <button type="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>
      {view.selected ? <RemediationPanel key={view.selected} id={view.selected} onClose={() => show({ ...view, selected: null })} /> : null}
    </>
  );
}

/** Remediations as rows; a row's kind opens it. */
export function RemediationTable({ items, selected, onSelect }: { items: readonly RemediationItem[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <table className="table" aria-label="Remediations">
      <thead>
        <tr>
          <th>Change</th>
          <th>Object</th>
          <th>Cluster</th>
          <th>State</th>
          <th>Risk</th>
          <th>Proposed</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr key={r.id} data-testid="remediation-row" data-id={r.id} aria-selected={selected === r.id}>
            <td>
              <button type="button" className="link-button" onClick={() => onSelect(r.id)}>
                {remediationLabel(r.kind)}
              </button>
            </td>
            <td>{targetLabel(r.target)}</td>
            <td>{r.cluster}</td>
            <td data-col="state">
              <Badge tone={stateTone(r.state)}>{r.state}</Badge>
            </td>
            <td>{r.risk ? `${(r.risk as RiskAnalysis).score}/100` : <span className="muted">—</span>}</td>
            <td>
              <Time value={r.proposedAt} /> by {r.proposedBy}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One remediation: its exact change, risk, decisions, result, the GitOps artifact; the next action for operators. */
function RemediationPanel({ id, onClose }: { id: string; onClose: () => void }) {
  // A running execution (a drain) is followed until it ends.
  const item = useQuery({ ...apiQuery<RemediationItem>(remediationPath(id)), refetchInterval: (q) => (q.state.data && isRunning(q.state.data) ? 1000 : false) });
  const running = item.data ? isRunning(item.data) : false;
  const user = useCurrentUser();
  const [note, setNote] = useState('');
  const approve = useApiMutation(approveRemediation, changes.remediation);
  const reject = useApiMutation(rejectRemediation, changes.remediation);
  const cluster = item.data?.cluster ?? '';
  const execute = useApiMutation(executeRemediation, changes.remediationExecuted(cluster));
  const [gitops, setGitops] = useState(false);
  const busy = approve.isPending || reject.isPending || execute.isPending;
  const error = approve.error ?? reject.error ?? execute.error;

  return (
    <section className="panel" aria-label="Remediation" data-testid="remediation-panel">
      <div className="table-toolbar">
        <h2>{item.data ? `${remediationLabel(item.data.kind)}: ${targetLabel(item.data.target)}` : 'Remediation'}</h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {item.error ? (
        <ErrorPanel error={item.error} title="Cannot read the remediation" onRetry={() => void item.refetch()} />
      ) : !item.data ? (
        <Loading />
      ) : (
        <>
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="remediation-state">
              {running ? <Badge tone="info">executing</Badge> : <Badge tone={stateTone(item.data.state)}>{item.data.state}</Badge>}
            </dd>
            <dt>Cluster</dt>
            <dd>{item.data.cluster}</dd>
            <dt>Proposed</dt>
            <dd>
              <Time value={item.data.proposedAt} /> by {item.data.proposedBy}
            </dd>
            {item.data.decidedBy ? (
              <>
                <dt>{item.data.state === 'rejected' ? 'Rejected' : 'Approved'}</dt>
                <dd data-testid="remediation-decision">
                  <Time value={item.data.decidedAt} /> by {item.data.decidedBy}
                  {item.data.decisionNote ? ` — ${item.data.decisionNote}` : ''}
                </dd>
              </>
            ) : null}
            {item.data.executedBy ? (
              <>
                <dt>{running ? 'Executing' : 'Executed'}</dt>
                <dd>
                  <Time value={item.data.executedAt} /> by {item.data.executedBy}
                </dd>
              </>
            ) : null}
            {item.data.incidentId ? (
              <>
                <dt>Incident</dt>
                <dd>
                  <Link to={incidentRoute(item.data.incidentId)}>the incident</Link>
                </dd>
              </>
            ) : null}
          </dl>
          {item.data.error ? <p className="form-problems">{item.data.error}</p> : null}
          {item.data.result ? (
            <pre className="finding-log" data-testid="remediation-result">
              {JSON.stringify(item.data.result, null, 2)}
            </pre>
          ) : null}

          <h3 className="subhead">The change</h3>
          {item.data.change.diff ? <UnifiedDiff lines={diffLines(item.data.change.diff)} /> : <p className="muted">No object change to show (a delete or a drain).</p>}
          {item.data.risk ? <RiskGuardPanel analysis={item.data.risk as RiskAnalysis} error={null} pending={false} /> : null}

          {hasRoleAtLeast(user.roles, 'operator') && nextActions(item.data).length > 0 ? (
            <div className="form-row">
              {item.data.state === 'proposed' ? (
                <label>
                  Note
                  <input value={note} onChange={(e) => setNote(e.target.value)} />
                </label>
              ) : null}
              {nextActions(item.data).map((action) => (
                <button
                  key={action}
                  type="button"
                  className={action === 'reject' ? 'danger' : 'primary'}
                  disabled={busy}
                  onClick={() => {
                    if (action === 'approve') approve.mutate({ id, note: note.trim() || undefined });
                    else if (action === 'reject') reject.mutate({ id, note: note.trim() || undefined });
                    else if (window.confirm(`Execute: ${remediationLabel(item.data.kind)} ${targetLabel(item.data.target)} in ${item.data.cluster}?`)) execute.mutate(id);
                  }}
                >
                  {action === 'approve' ? 'Approve' : action === 'reject' ? 'Reject' : 'Execute'}
                </button>
              ))}
            </div>
          ) : null}
          {error ? <ErrorPanel error={error} title="Not done" /> : null}

          <div className="table-toolbar">
            <h3 className="subhead">GitOps</h3>
            <span className="spacer" />
            <button type="button" onClick={() => setGitops((g) => !g)}>
              {gitops ? 'Hide patch' : 'Show as a patch'}
            </button>
          </div>
          {gitops ? <GitopsArtifactView id={id} /> : null}
        </>
      )}
    </section>
  );
}

/** The change as a kustomize patch for teams that change clusters only through Git. */
function GitopsArtifactView({ id }: { id: string }) {
  const artifact = useQuery(apiQuery<GitopsArtifact>(gitopsPath(id)));
  if (artifact.error) return <ErrorPanel error={artifact.error} title="No patch" />;
  if (!artifact.data) return <Loading />;
  return (
    <div data-testid="gitops-artifact">
      <p>
        <code>{artifact.data.fileName}</code> <CopyButton text={artifact.data.kustomizePatch} label="Copy patch" />{' '}
        <a href={gitopsPath(id, 'patch')} download>
          Download
        </a>
      </p>
      <pre className="finding-log">{artifact.data.kustomizePatch}</pre>
      <p className="muted">Add to kustomization.yaml:</p>
      <pre className="finding-log">{artifact.data.kustomization}</pre>
    </div>
  );
}
