import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { createRunbook, deleteRunbook, runbookPath, updateRunbook } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { FixList, Runbook, RunbookList } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput, FilterSelect } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Markdown } from '../components/Markdown';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { classLabel, FINDING_CLASSES } from '../lib/findings';
import { hasRoleAtLeast, isAdmin } from '../lib/roles';
import {
  draftOf,
  EMPTY_RUNBOOK_DRAFT,
  EMPTY_RUNBOOK_FILTERS,
  fixesApiPath,
  fixRecord,
  runbookInput,
  runbooksApiPath,
  runbooksViewFromSearch,
  runbooksViewToSearch,
  type RunbookDraft,
  type RunbookFilters,
  type RunbooksView,
} from '../lib/runbooks';

/** `?runbook=new` opens the editor of a new runbook. */
const NEW = 'new';

/** Runbooks: how to handle classes of findings, ranked by how the fixes that followed them went. */
export function RunbooksPage() {
  const [search, setSearch] = useSearchParams();
  const view = runbooksViewFromSearch(search);
  const runbooks = useQuery(apiQuery<RunbookList>(runbooksApiPath(view.filters)));
  const user = useCurrentUser();
  const canWrite = hasRoleAtLeast(user.roles, 'operator');
  const show = (next: RunbooksView) => setSearch(runbooksViewToSearch(next));
  const items = runbooks.data?.items ?? [];

  return (
    <>
      <h1>Runbooks</h1>
      <p className="muted">
        What to do about a class of findings. Filtered by class, the runbooks whose fixes of it worked most often come first.
      </p>

      <RunbooksFilterBar key={JSON.stringify(view.filters)} filters={view.filters} onApply={(filters) => show({ filters, selected: null })} />

      <section className="panel">
        <div className="table-toolbar">
          <span>{runbooks.data ? `${items.length} runbook${items.length === 1 ? '' : 's'}` : '\u00a0'}</span>
          {runbooks.isFetching ? <Loading label="" /> : null}
          <span className="spacer" />
          {canWrite ? (
            <button type="button" className="primary" onClick={() => show({ ...view, selected: NEW })}>
              New runbook
            </button>
          ) : null}
        </div>
        {runbooks.error ? <ErrorPanel error={runbooks.error} onRetry={() => void runbooks.refetch()} /> : null}
        {runbooks.data && items.length === 0 ? <p className="muted">No runbooks match.</p> : null}
        {items.length > 0 ? (
          <table className="table" aria-label="Runbooks">
            <thead>
              <tr>
                <th>Title</th>
                <th>Classes</th>
                <th>Tags</th>
                <th>Past fixes</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-testid="runbook-row" data-id={r.id} aria-selected={view.selected === r.id}>
                  <td>
                    <button type="button" className="link-button" onClick={() => show({ ...view, selected: r.id })}>
                      {r.title}
                    </button>
                  </td>
                  <td>{r.classes.map(classLabel).join(', ')}</td>
                  <td>
                    {r.tags.map((t) => (
                      <span key={t} className="chip">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td data-col="fixes">{fixRecord(r)}</td>
                  <td>
                    <Time value={r.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      {view.selected === NEW ? (
        <RunbookEditor key={NEW} onDone={(saved) => show({ ...view, selected: saved?.id ?? null })} />
      ) : view.selected ? (
        <RunbookPanel
          key={view.selected}
          id={view.selected}
          canWrite={canWrite}
          canDelete={isAdmin(user.roles)}
          onClose={() => show({ ...view, selected: null })}
        />
      ) : null}
    </>
  );
}

function RunbooksFilterBar({ filters, onApply }: { filters: RunbookFilters; onApply: (filters: RunbookFilters) => void }) {
  return (
    <FilterBar label="Runbook filters" filters={filters} empty={EMPTY_RUNBOOK_FILTERS} onApply={onApply}>
      {(field) => (
        <>
          <FilterSelect label="Class" values={FINDING_CLASSES} labelOf={classLabel} {...field('class')} />
          <FilterInput label="Tag" {...field('tag')} />
          <FilterInput label="Text" {...field('q')} type="search" />
        </>
      )}
    </FilterBar>
  );
}

/** One runbook: its Markdown, how its fixes went, and (operators) editing it. */
function RunbookPanel({ id, canWrite, canDelete, onClose }: { id: string; canWrite: boolean; canDelete: boolean; onClose: () => void }) {
  const runbook = useQuery(apiQuery<Runbook>(runbookPath(id)));
  const fixes = useQuery(apiQuery<FixList>(fixesApiPath({ runbookId: id })));
  const remove = useApiMutation(deleteRunbook, changes.memory);
  const [editing, setEditing] = useState(false);

  if (editing && runbook.data) return <RunbookEditor runbook={runbook.data} onDone={() => setEditing(false)} />;
  return (
    <section className="panel" aria-label="Runbook" data-testid="runbook-panel">
      <div className="table-toolbar">
        <h2>{runbook.data?.title ?? 'Runbook'}</h2>
        <span className="spacer" />
        {canWrite && runbook.data ? (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        ) : null}
        {canDelete && runbook.data ? (
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete runbook "${runbook.data.title}"? The fixes recorded with it are kept.`)) remove.mutate(id, { onSuccess: onClose });
            }}
          >
            Delete
          </button>
        ) : null}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {remove.error ? <ErrorPanel error={remove.error} title="Delete failed" /> : null}
      {runbook.error ? (
        <ErrorPanel error={runbook.error} title="Cannot read the runbook" onRetry={() => void runbook.refetch()} />
      ) : !runbook.data ? (
        <Loading />
      ) : (
        <>
          <dl className="facts">
            <dt>Classes</dt>
            <dd>{runbook.data.classes.length ? runbook.data.classes.map(classLabel).join(', ') : 'none'}</dd>
            <dt>Past fixes</dt>
            <dd data-testid="runbook-fixes-summary">{fixRecord(runbook.data)}</dd>
            <dt>Updated</dt>
            <dd>
              <Time value={runbook.data.updatedAt} /> by {runbook.data.updatedBy}
            </dd>
          </dl>
          <div data-testid="runbook-body">
            <Markdown>{runbook.data.body || '_No steps written yet._'}</Markdown>
          </div>
          <h3 className="subhead">Fixes that followed it</h3>
          {fixes.error ? <ErrorPanel error={fixes.error} onRetry={() => void fixes.refetch()} /> : null}
          {fixes.data && fixes.data.items.length === 0 ? <p className="muted">None recorded yet.</p> : null}
          {fixes.data && fixes.data.items.length > 0 ? (
            <table className="table" aria-label="Fixes">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Object</th>
                  <th>Action</th>
                  <th>Outcome</th>
                  <th>By</th>
                </tr>
              </thead>
              <tbody>
                {fixes.data.items.map((f) => (
                  <tr key={f.id} data-testid="fix-row">
                    <td>
                      <Time value={f.recordedAt} />
                    </td>
                    <td>
                      {f.cluster}: {f.object.kind} {f.object.namespace ? `${f.object.namespace}/` : ''}
                      {f.object.name}
                    </td>
                    <td>{f.action}</td>
                    <td>{f.success ? <Badge tone="good">worked</Badge> : <Badge tone="bad">did not work</Badge>}</td>
                    <td>{f.recordedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </section>
  );
}

/** A new runbook, or `runbook`'s content replaced; `onDone` gets what was saved (nothing when cancelled). */
function RunbookEditor({ runbook, onDone }: { runbook?: Runbook; onDone: (saved?: Runbook) => void }) {
  const [draft, setDraft] = useState<RunbookDraft>(runbook ? draftOf(runbook) : EMPTY_RUNBOOK_DRAFT);
  const [preview, setPreview] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const create = useApiMutation(createRunbook, changes.memory);
  const update = useApiMutation(updateRunbook, changes.memory);
  const saving = create.isPending || update.isPending;
  const error = create.error ?? update.error;

  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = runbookInput(draft);
    if ('error' in checked) {
      setProblem(checked.error);
      return;
    }
    setProblem(null);
    if (runbook) update.mutate({ id: runbook.id, input: checked.input }, { onSuccess: onDone });
    else create.mutate(checked.input, { onSuccess: onDone });
  }

  const toggleClass = (c: (typeof FINDING_CLASSES)[number]) =>
    setDraft((d) => ({ ...d, classes: d.classes.includes(c) ? d.classes.filter((x) => x !== c) : [...d.classes, c] }));

  return (
    <form className="panel form-grid" onSubmit={submit} aria-label={runbook ? 'Edit runbook' : 'New runbook'}>
      <h2>{runbook ? `Edit ${runbook.title}` : 'New runbook'}</h2>
      <label>
        Title
        <input value={draft.title} onChange={(e) => setDraft((d) => ({ ...d, title: e.target.value }))} required maxLength={200} />
      </label>
      <label>
        Tags
        <input value={draft.tags} onChange={(e) => setDraft((d) => ({ ...d, tags: e.target.value }))} placeholder="db, storage" />
      </label>
      <fieldset className="fieldset">
        <legend>Finding classes it is for</legend>
        <div className="checklist">
          {FINDING_CLASSES.map((c) => (
            <label key={c} className="checkbox-label">
              <input type="checkbox" checked={draft.classes.includes(c)} onChange={() => toggleClass(c)} />
              {classLabel(c)}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="table-toolbar">
        <span>Steps (Markdown; task-list items `- [ ] …` become an incident&apos;s steps)</span>
        <span className="spacer" />
        <button type="button" onClick={() => setPreview((p) => !p)}>
          {preview ? 'Write' : 'Preview'}
        </button>
      </div>
      {preview ? (
        <div className="markdown-preview" data-testid="runbook-preview">
          <Markdown>{draft.body}</Markdown>
        </div>
      ) : (
        <label>
          Body
          <textarea rows={14} value={draft.body} onChange={(e) => setDraft((d) => ({ ...d, body: e.target.value }))} />
        </label>
      )}
      {problem ? <p className="form-problems" role="alert">{problem}</p> : null}
      {error ? <ErrorPanel error={error} title="Save failed" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
