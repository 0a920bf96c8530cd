import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { recordFix } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { FixList, RunbookList, StoredFinding } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { useApiMutation } from '../hooks/useApiMutation';
import { remediationLabel } from '../lib/findings';
import { hasRoleAtLeast } from '../lib/roles';
import { fixesApiPath, fixRecord, runbookRoute, runbooksApiPath, SUGGESTED_RUNBOOKS } from '../lib/runbooks';
import { Badge } from './Badge';
import { ErrorPanel } from './ErrorPanel';
import { Time } from './Time';

/**
 * What memory knows about a finding: the runbooks for its class, those whose fixes worked most
 * often first; the fixes already recorded against it; and (operators) a fix to record.
 */
export function FindingRunbooks({ finding }: { finding: StoredFinding }) {
  const runbooks = useQuery(apiQuery<RunbookList>(runbooksApiPath({ class: finding.class })));
  const fixes = useQuery(apiQuery<FixList>(fixesApiPath({ findingId: finding.id }, 5)));
  const user = useCurrentUser();
  const suggested = runbooks.data?.items.slice(0, SUGGESTED_RUNBOOKS) ?? [];
  return (
    <div data-testid="finding-runbooks">
      <h3 className="subhead">Runbooks</h3>
      {runbooks.error ? <ErrorPanel error={runbooks.error} onRetry={() => void runbooks.refetch()} /> : null}
      {runbooks.data && suggested.length === 0 ? <p className="muted">No runbook is written for this class yet.</p> : null}
      {suggested.length > 0 ? (
        <ol className="related-list">
          {suggested.map((r) => (
            <li key={r.id} data-testid="suggested-runbook">
              <Link to={runbookRoute(r.id)}>{r.title}</Link> <span className="muted">({fixRecord(r)})</span>
            </li>
          ))}
        </ol>
      ) : null}
      {fixes.data && fixes.data.items.length > 0 ? (
        <>
          <h3 className="subhead">Fixes recorded</h3>
          <ul className="related-list" data-testid="finding-fixes">
            {fixes.data.items.map((f) => (
              <li key={f.id}>
                <Time value={f.recordedAt} /> {f.recordedBy}: {f.action}{' '}
                {f.success ? <Badge tone="good">worked</Badge> : <Badge tone="bad">did not work</Badge>}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {hasRoleAtLeast(user.roles, 'operator') ? <RecordFixForm finding={finding} runbooks={suggested} /> : null}
    </div>
  );
}

function RecordFixForm({ finding, runbooks }: { finding: StoredFinding; runbooks: RunbookList['items'] }) {
  const [action, setAction] = useState<string>(finding.remediations[0] ?? '');
  const [runbookId, setRunbookId] = useState('');
  const [success, setSuccess] = useState(true);
  const [note, setNote] = useState('');
  const record = useApiMutation(recordFix, changes.memory);

  function submit(event: FormEvent) {
    event.preventDefault();
    record.mutate(
      { findingId: finding.id, action: action.trim(), success, runbookId: runbookId || null, note: note.trim() || null },
      { onSuccess: () => setNote('') },
    );
  }

  return (
    <form className="form-row" onSubmit={submit} aria-label="Record a fix">
      <label>
        What was done
        <input list={`remediations-${finding.id}`} value={action} onChange={(e) => setAction(e.target.value)} required maxLength={200} />
        <datalist id={`remediations-${finding.id}`}>
          {finding.remediations.map((r) => (
            <option key={r} value={r}>
              {remediationLabel(r)}
            </option>
          ))}
        </datalist>
      </label>
      <label>
        Following
        <select value={runbookId} onChange={(e) => setRunbookId(e.target.value)}>
          <option value="">no runbook</option>
          {runbooks.map((r) => (
            <option key={r.id} value={r.id}>
              {r.title}
            </option>
          ))}
        </select>
      </label>
      <label>
        Note
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <label className="checkbox-label">
        <input type="checkbox" checked={success} onChange={(e) => setSuccess(e.target.checked)} />
        It worked
      </label>
      <button type="submit" disabled={record.isPending || !action.trim()}>
        Record fix
      </button>
      {record.error ? <ErrorPanel error={record.error} title="Not recorded" /> : null}
    </form>
  );
}
