import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { addIncidentNote, resolveIncident, updateIncidentStep, writePostmortem } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { IncidentDetail, Postmortem, PostmortemAction, RemediationList, Replay, Step, StepState, TimelineEntry } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge, SeverityBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FindingEvidence } from '../components/FindingEvidence';
import { FindingsTable } from '../components/FindingsTable';
import { Loading } from '../components/Loading';
import { Markdown } from '../components/Markdown';
import { Time } from '../components/Time';
import { RemediationTable } from './RemediationPage';
import { useApiMutation } from '../hooks/useApiMutation';
import {
  formatOffset,
  INCIDENT_REFRESH_MS,
  incidentEvidencePath,
  incidentPath,
  incidentReplayPath,
  postmortemDraft,
  postmortemInput,
  sourceLabel,
  stepProgress,
  TIMELINE_SOURCES,
  type PostmortemDraft,
} from '../lib/incidents';
import { remediationApiPath, remediationRoute } from '../lib/remediation';
import { hasRoleAtLeast } from '../lib/roles';
import { runbookRoute } from '../lib/runbooks';

/** The incident workbench: findings with their evidence, steps, timeline and replay, notes, resolution, postmortem. */
export function IncidentPage() {
  const { id = '' } = useParams();
  const incident = useQuery({ ...apiQuery<IncidentDetail>(incidentPath(id)), refetchInterval: INCIDENT_REFRESH_MS });
  const user = useCurrentUser();
  const canWork = hasRoleAtLeast(user.roles, 'operator');

  if (incident.error) return <ErrorPanel error={incident.error} title="Cannot read the incident" onRetry={() => void incident.refetch()} />;
  if (!incident.data) return <Loading />;
  const detail = incident.data;
  const open = detail.state === 'open';
  return (
    <>
      <h1 data-testid="incident-title">{detail.title}</h1>
      <dl className="facts" data-testid="incident-summary">
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={detail.severity} />
        </dd>
        <dt>State</dt>
        <dd data-testid="incident-state">{open ? <Badge tone="warn">open</Badge> : <Badge tone="good">resolved</Badge>}</dd>
        <dt>Opened</dt>
        <dd>
          <Time value={detail.createdAt} /> by {detail.createdBy}
        </dd>
        {detail.resolvedAt ? (
          <>
            <dt>Resolved</dt>
            <dd>
              <Time value={detail.resolvedAt} /> by {detail.resolvedBy}
            </dd>
          </>
        ) : null}
        <dt>Runbook</dt>
        <dd>{detail.runbook ? <Link to={runbookRoute(detail.runbook.id)}>{detail.runbook.title}</Link> : <span className="muted">none</span>}</dd>
        <dt>Evidence</dt>
        <dd>
          <a href={incidentEvidencePath(detail.id, 'json')} download>
            JSON
          </a>{' '}
          ·{' '}
          <a href={incidentEvidencePath(detail.id, 'markdown')} download>
            Markdown
          </a>
        </dd>
      </dl>
      {detail.summary ? <Markdown>{detail.summary}</Markdown> : null}
      {detail.resolution ? (
        <section className="panel" aria-label="Resolution">
          <h2>Resolution</h2>
          <Markdown>{detail.resolution}</Markdown>
        </section>
      ) : null}

      <IncidentFindings detail={detail} />
      <IncidentRemediations id={detail.id} />
      <StepsPanel detail={detail} canWork={canWork && open} />
      <TimelinePanel entries={detail.timeline} />
      <ReplayPanel id={detail.id} />
      <NotesPanel detail={detail} canWork={canWork} />
      {canWork && open ? <ResolveForm id={detail.id} /> : null}
      <PostmortemPanel detail={detail} canWork={canWork} />
    </>
  );
}

function IncidentFindings({ detail }: { detail: IncidentDetail }) {
  const [selected, setSelected] = useState<string | null>(null);
  if (detail.findings.length === 0) return null;
  return (
    <section className="panel">
      <h2>Findings</h2>
      <FindingsTable label="Findings of this incident" findings={detail.findings} selected={selected} onSelect={setSelected} />
      {selected ? <FindingEvidence key={selected} id={selected} incidentId={detail.id} onClose={() => setSelected(null)} /> : null}
    </section>
  );
}

/** What was proposed for this incident, and where each stands; a finding's evidence proposes more. */
function IncidentRemediations({ id }: { id: string }) {
  const list = useQuery({ ...apiQuery<RemediationList>(remediationApiPath({ incidentId: id })), refetchInterval: INCIDENT_REFRESH_MS });
  const navigate = useNavigate();
  if (list.error) return <ErrorPanel error={list.error} title="Cannot list the remediations" onRetry={() => void list.refetch()} />;
  if (!list.data || list.data.items.length === 0) return null;
  return (
    <section className="panel" aria-label="Remediations">
      <h2>Remediations</h2>
      <RemediationTable items={list.data.items} selected={null} onSelect={(r) => void navigate(remediationRoute(r))} />
    </section>
  );
}

const STEP_STATES: StepState[] = ['pending', 'done', 'skipped'];

function StepsPanel({ detail, canWork }: { detail: IncidentDetail; canWork: boolean }) {
  const update = useApiMutation(updateIncidentStep, changes.incidents);
  if (detail.steps.length === 0) return null;
  return (
    <section className="panel" aria-label="Steps">
      <h2>
        Steps <span className="muted" data-testid="step-progress">{stepProgress(detail.steps)}</span>
      </h2>
      {update.error ? <ErrorPanel error={update.error} title="Step not changed" /> : null}
      <ol className="incident-steps">
        {detail.steps.map((step) => (
          <StepItem key={step.step} step={step} canWork={canWork} busy={update.isPending} onChange={(input) => update.mutate({ id: detail.id, step: step.step, input })} />
        ))}
      </ol>
    </section>
  );
}

function StepItem({ step, canWork, busy, onChange }: { step: Step; canWork: boolean; busy: boolean; onChange: (input: { state?: StepState; note?: string }) => void }) {
  const [note, setNote] = useState(step.note ?? '');
  return (
    <li data-testid="incident-step" data-state={step.state}>
      <div className="form-row">
        <strong>{step.title}</strong>
        {canWork ? (
          <label>
            State
            <select aria-label={`State of step ${step.step}`} value={step.state} disabled={busy} onChange={(e) => onChange({ state: e.target.value as StepState })}>
              {STEP_STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <Badge tone={step.state === 'pending' ? 'neutral' : 'good'}>{step.state}</Badge>
        )}
        {step.updatedBy ? (
          <span className="muted">
            {step.updatedBy}, <Time value={step.updatedAt} />
          </span>
        ) : null}
      </div>
      {step.detail ? <Markdown>{step.detail}</Markdown> : null}
      {canWork ? (
        <form
          className="inline-form"
          aria-label={`Note of step ${step.step}`}
          onSubmit={(e) => {
            e.preventDefault();
            onChange({ note });
          }}
        >
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="Note" />
          <button type="submit" disabled={busy || note === (step.note ?? '')}>
            Save note
          </button>
        </form>
      ) : step.note ? (
        <p className="muted">{step.note}</p>
      ) : null}
    </li>
  );
}

function EntryRow({ entry, offsetMs }: { entry: TimelineEntry; offsetMs?: number }) {
  const object = entry.object ? `${entry.object.cluster}: ${[entry.object.kind, [entry.object.namespace, entry.object.name].filter(Boolean).join('/')].filter(Boolean).join(' ')}` : '';
  return (
    <tr data-testid="timeline-entry" data-source={entry.source} data-kind={entry.kind}>
      <td>{offsetMs === undefined ? <Time value={entry.at} /> : <code>{formatOffset(offsetMs)}</code>}</td>
      <td>
        <Badge tone={entry.source === 'finding' ? 'bad' : entry.source === 'incident' ? 'info' : 'neutral'}>{sourceLabel(entry.source)}</Badge>
      </td>
      <td>{entry.title}</td>
      <td>{entry.actor ?? ''}</td>
      <td className="muted">{object}</td>
    </tr>
  );
}

function EntriesTable({ label, entries, offsets }: { label: string; entries: readonly TimelineEntry[]; offsets?: readonly number[] }) {
  return (
    <div className="table-scroll">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            <th>{offsets ? 'Offset' : 'When'}</th>
            <th>Source</th>
            <th>What</th>
            <th>Who</th>
            <th>Object</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry, i) => (
            <EntryRow key={`${entry.at}/${entry.source}/${entry.kind}/${i}`} entry={entry} offsetMs={offsets?.[i]} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Findings, events, actions, notes and what happened to the incident, oldest first; sources can be hidden. */
function TimelinePanel({ entries }: { entries: readonly TimelineEntry[] }) {
  const [hidden, setHidden] = useState<Set<TimelineEntry['source']>>(new Set());
  const shown = entries.filter((e) => !hidden.has(e.source));
  const toggle = (source: TimelineEntry['source']) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(source)) next.delete(source);
      else next.add(source);
      return next;
    });
  return (
    <section className="panel" aria-label="Timeline">
      <div className="table-toolbar">
        <h2>Timeline</h2>
        <span className="spacer" />
        {TIMELINE_SOURCES.map((source) => (
          <label key={source} className="checkbox-label">
            <input type="checkbox" checked={!hidden.has(source)} onChange={() => toggle(source)} />
            {sourceLabel(source)}
          </label>
        ))}
      </div>
      {shown.length === 0 ? <p className="muted">Nothing to show.</p> : <EntriesTable label="Timeline entries" entries={shown} />}
    </section>
  );
}

/** The timeline as it unfolded: a slider walks through the entries with the incident's state after each. */
function ReplayPanel({ id }: { id: string }) {
  const replay = useQuery(apiQuery<Replay>(incidentReplayPath(id)));
  const [position, setPosition] = useState<number | null>(null);
  if (replay.error) return <ErrorPanel error={replay.error} title="No replay" onRetry={() => void replay.refetch()} />;
  if (!replay.data || replay.data.entries.length === 0) return null;
  const entries = replay.data.entries;
  const at = Math.min(position ?? entries.length, entries.length);
  const state = at === 0 ? null : entries[at - 1].state;
  return (
    <section className="panel" aria-label="Replay">
      <h2>Replay</h2>
      <div className="form-row">
        <label>
          Step through the timeline
          <input type="range" min={0} max={entries.length} value={at} aria-label="Replay position" onChange={(e) => setPosition(Number(e.target.value))} />
        </label>
        <span data-testid="replay-state">
          {state
            ? `${at} of ${entries.length} · ${state.phase} · ${state.openFindings} open finding${state.openFindings === 1 ? '' : 's'} · ${state.stepsDone} of ${state.stepsTotal} steps done`
            : `0 of ${entries.length} · before anything happened`}
        </span>
      </div>
      <EntriesTable label="Replay entries" entries={entries.slice(0, at)} offsets={entries.slice(0, at).map((e) => e.offsetMs)} />
    </section>
  );
}

function NotesPanel({ detail, canWork }: { detail: IncidentDetail; canWork: boolean }) {
  const [body, setBody] = useState('');
  const add = useApiMutation(addIncidentNote, changes.incidents);
  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate({ id: detail.id, body }, { onSuccess: () => setBody('') });
  }
  return (
    <section className="panel" aria-label="Notes">
      <h2>Notes</h2>
      {detail.notes.length === 0 ? <p className="muted">No notes yet.</p> : null}
      {detail.notes.map((note) => (
        <article key={note.id} className="incident-note" data-testid="incident-note">
          <p className="muted">
            {note.author}, <Time value={note.at} />
          </p>
          <Markdown>{note.body}</Markdown>
        </article>
      ))}
      {canWork ? (
        <form className="form-grid" onSubmit={submit} aria-label="Add a note">
          <label>
            Note (Markdown)
            <textarea rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
          </label>
          {add.error ? <ErrorPanel error={add.error} title="Note not added" /> : null}
          <div className="actions">
            <button type="submit" disabled={add.isPending || !body.trim()}>
              Add note
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

function ResolveForm({ id }: { id: string }) {
  const [resolution, setResolution] = useState('');
  const resolve = useApiMutation(resolveIncident, changes.incidents);
  function submit(event: FormEvent) {
    event.preventDefault();
    resolve.mutate({ id, resolution });
  }
  return (
    <form className="panel form-grid" onSubmit={submit} aria-label="Resolve">
      <h2>Resolve</h2>
      <label>
        What ended it (Markdown)
        <textarea rows={3} value={resolution} onChange={(e) => setResolution(e.target.value)} />
      </label>
      {resolve.error ? <ErrorPanel error={resolve.error} title="Not resolved" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={resolve.isPending || !resolution.trim()}>
          Resolve incident
        </button>
      </div>
    </form>
  );
}

/** The postmortem as written, and (operators) its editor, filled from the incident at first. */
function PostmortemPanel({ detail, canWork }: { detail: IncidentDetail; canWork: boolean }) {
  const [editing, setEditing] = useState(false);
  const written = detail.postmortem ?? null;
  return (
    <section className="panel" aria-label="Postmortem">
      <div className="table-toolbar">
        <h2>Postmortem</h2>
        <span className="spacer" />
        {canWork && !editing ? (
          <button type="button" onClick={() => setEditing(true)}>
            {written ? 'Edit postmortem' : 'Write postmortem'}
          </button>
        ) : null}
      </div>
      {editing ? (
        <PostmortemEditor detail={detail} written={written} onDone={() => setEditing(false)} />
      ) : written ? (
        <PostmortemView postmortem={written} />
      ) : (
        <p className="muted">Not written yet.</p>
      )}
    </section>
  );
}

function PostmortemView({ postmortem }: { postmortem: Postmortem }) {
  return (
    <div data-testid="postmortem">
      <dl className="facts">
        <dt>Impact</dt>
        <dd>
          <Time value={postmortem.impactStart} /> – <Time value={postmortem.impactEnd} />
        </dd>
        <dt>Written</dt>
        <dd>
          <Time value={postmortem.updatedAt} /> by {postmortem.updatedBy}
        </dd>
      </dl>
      <Markdown>{postmortem.summary}</Markdown>
      {postmortem.rootCause ? (
        <>
          <h3 className="subhead">Root cause</h3>
          <Markdown>{postmortem.rootCause}</Markdown>
        </>
      ) : null}
      {postmortem.actions.length > 0 ? (
        <>
          <h3 className="subhead">Actions</h3>
          <ul className="related-list">
            {postmortem.actions.map((a, i) => (
              <li key={`${a.title}/${i}`} data-testid="postmortem-action">
                {a.done ? '☑' : '☐'} {a.title}
                {a.owner ? <span className="muted"> ({a.owner})</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function PostmortemEditor({ detail, written, onDone }: { detail: IncidentDetail; written: Postmortem | null; onDone: () => void }) {
  const startedAt = detail.findings.reduce((min, f) => (f.firstSeen < min ? f.firstSeen : min), detail.createdAt);
  const [draft, setDraft] = useState<PostmortemDraft>(() => postmortemDraft(written, { startedAt, resolvedAt: detail.resolvedAt }));
  const [problem, setProblem] = useState<string | null>(null);
  const save = useApiMutation(writePostmortem, changes.incidents);
  const set = <K extends keyof PostmortemDraft>(key: K, value: PostmortemDraft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setAction = (i: number, change: Partial<PostmortemAction>) => set('actions', draft.actions.map((a, j) => (j === i ? { ...a, ...change } : a)));

  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = postmortemInput(draft);
    if ('error' in checked) {
      setProblem(checked.error);
      return;
    }
    setProblem(null);
    save.mutate({ id: detail.id, input: checked.input }, { onSuccess: onDone });
  }

  return (
    <form className="form-grid" onSubmit={submit} aria-label="Postmortem editor">
      <label>
        Summary (Markdown)
        <textarea rows={4} value={draft.summary} onChange={(e) => set('summary', e.target.value)} />
      </label>
      <div className="form-row">
        <label>
          Impact start
          <input type="datetime-local" value={draft.impactStart} onChange={(e) => set('impactStart', e.target.value)} />
        </label>
        <label>
          Impact end
          <input type="datetime-local" value={draft.impactEnd} onChange={(e) => set('impactEnd', e.target.value)} />
        </label>
      </div>
      <label>
        Root cause (Markdown)
        <textarea rows={3} value={draft.rootCause} onChange={(e) => set('rootCause', e.target.value)} />
      </label>
      <fieldset className="fieldset">
        <legend>Actions</legend>
        {draft.actions.map((a, i) => (
          <div key={i} className="form-row" data-testid="postmortem-action-field">
            <label>
              Action {i + 1}
              <input value={a.title} onChange={(e) => setAction(i, { title: e.target.value })} />
            </label>
            <label>
              Owner
              <input value={a.owner ?? ''} onChange={(e) => setAction(i, { owner: e.target.value })} />
            </label>
            <label className="checkbox-label">
              <input type="checkbox" checked={a.done} onChange={(e) => setAction(i, { done: e.target.checked })} />
              Done
            </label>
            <button type="button" onClick={() => set('actions', draft.actions.filter((_, j) => j !== i))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => set('actions', [...draft.actions, { title: '', done: false }])}>
          Add action
        </button>
      </fieldset>
      <label>
        Remediations applied (ids, comma-separated)
        <input value={draft.remediationIds} onChange={(e) => set('remediationIds', e.target.value)} />
      </label>
      {problem ? (
        <p className="form-problems" role="alert">
          {problem}
        </p>
      ) : null}
      {save.error ? <ErrorPanel error={save.error} title="Not saved" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save postmortem
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
