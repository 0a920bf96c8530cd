import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { clusterPath, fluxClusterPath, paths, saveClusterAssignments } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type {
  Cluster,
  ClusterAssignments,
  FluxNamespace,
  FluxNamespaceList,
  FluxRoleBinding,
  FluxRoleBindingList,
  FluxWarning,
  PlatformComponent,
  PlatformComponentList,
} from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge } from '../components/Badge';
import { FluxErrorPanel, FormProblems } from '../components/FluxErrorPanel';
import { KeyValueEditor } from '../components/KeyValueEditor';
import { Loading } from '../components/Loading';
import { WarningsNotice } from '../components/WarningsNotice';
import { useApiMutation } from '../hooks/useApiMutation';
import {
  ASSIGNMENT_STATES,
  assignmentsFromDraft,
  draftChanged,
  draftFromAssignments,
  draftSummary,
  toggleInList,
  updateComponent,
  unmetDependencies,
  type AssignmentDraft,
  type ComponentDraft,
} from '../lib/assignments';
import { fluxRoutes } from '../lib/fluxRoutes';
import { patchValueType } from '../lib/patchValue';
import { canEditFlux } from '../lib/roles';

export function FluxClusterEditorPage() {
  const { name = '' } = useParams();
  const cluster = useQuery(apiQuery<Cluster>(clusterPath(name)));
  const assignments = useQuery(apiQuery<ClusterAssignments>(fluxClusterPath(name)));
  const components = useQuery(apiQuery<PlatformComponentList>(paths.fluxComponents));
  const namespaces = useQuery(apiQuery<FluxNamespaceList>(paths.fluxNamespaces));
  const rolebindings = useQuery(apiQuery<FluxRoleBindingList>(paths.fluxRoleBindings));
  const canEdit = canEditFlux(useCurrentUser().roles);

  const loads = [
    { state: cluster, title: 'Cannot load the cluster' },
    { state: assignments, title: 'Cannot load the assignments' },
    { state: components, title: 'Cannot load the components' },
    { state: namespaces, title: 'Cannot load the namespaces' },
    { state: rolebindings, title: 'Cannot load the role bindings' },
  ];
  const ready =
    assignments.data && components.data && namespaces.data && rolebindings.data
      ? { assignments: assignments.data, components: components.data.items, namespaces: namespaces.data.items, rolebindings: rolebindings.data.items }
      : null;

  return (
    <>
      <p className="breadcrumbs">
        <Link to={fluxRoutes.clusters}>Clusters</Link> / {name}
      </p>
      <h1>
        Assignments of {name}{' '}
        {cluster.data?.environment ? <Badge>{cluster.data.environment}</Badge> : null}
      </h1>
      <p className="muted">
        {cluster.data ? (
          cluster.data.dns ? (
            <>
              Flux Operator on <code>{cluster.data.dns}</code> gets what is saved here.{' '}
            </>
          ) : (
            <>This cluster has no dns, so Flux Operator cannot fetch its inputs yet. </>
          )
        ) : null}
        <Link to={fluxRoutes.preview(name)}>Preview the Flux inputs</Link>
      </p>
      {loads.map(({ state, title }) =>
        state.error ? <FluxErrorPanel key={title} error={state.error} title={title} onRetry={() => void state.refetch()} /> : null,
      )}
      {ready ? (
        <AssignmentForm
          key={name}
          cluster={name}
          assignments={ready.assignments}
          components={ready.components}
          namespaces={ready.namespaces}
          rolebindings={ready.rolebindings}
          canEdit={canEdit}
        />
      ) : loads.some((l) => l.state.isFetching) ? (
        <Loading />
      ) : null}
    </>
  );
}

function AssignmentForm({
  cluster,
  assignments,
  components,
  namespaces,
  rolebindings,
  canEdit,
}: {
  cluster: string;
  assignments: ClusterAssignments;
  components: readonly PlatformComponent[];
  namespaces: readonly FluxNamespace[];
  rolebindings: readonly FluxRoleBinding[];
  canEdit: boolean;
}) {
  const [baseline, setBaseline] = useState<AssignmentDraft>(() => draftFromAssignments(assignments, components));
  const [draft, setDraft] = useState<AssignmentDraft>(baseline);
  const [problems, setProblems] = useState<string[]>([]);
  const [warnings, setWarnings] = useState<FluxWarning[]>([]);
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const save = useApiMutation((body: ClusterAssignments) => saveClusterAssignments(cluster, body), changes.assignments);
  const busy = save.isPending;

  const catalog = new Map(components.map((c) => [c.id, c]));
  const changed = draftChanged(baseline, draft);
  const summary = draftSummary(draft);

  function submit(event: FormEvent) {
    event.preventDefault();
    const body = assignmentsFromDraft(draft);
    setProblems(body.errors);
    if (body.errors.length > 0) return;
    save.mutate(body.value, {
      onSuccess: (result) => {
        const next = draftFromAssignments(result, components);
        setBaseline(next);
        setDraft(next);
        setWarnings(result.warnings ?? []);
        setSavedAt(new Date().toLocaleTimeString());
      },
    });
  }

  const change = (id: string, f: (c: ComponentDraft) => ComponentDraft) => setDraft((d) => updateComponent(d, id, f));

  return (
    <form onSubmit={submit} aria-label="Cluster assignments">
      <section className="panel">
        <h2>Platform components</h2>
        {draft.components.length === 0 ? (
          <p className="muted">
            The catalog has no components yet: <Link to={fluxRoutes.components}>add some</Link>.
          </p>
        ) : (
          <div className="assignment-list">
            {draft.components.map((c) => (
              <ComponentAssignmentRow
                key={c.id}
                draft={c}
                catalog={catalog.get(c.id)}
                unmet={unmetDependencies(draft, c.id, components)}
                readOnly={!canEdit}
                onChange={(f) => change(c.id, f)}
              />
            ))}
          </div>
        )}
      </section>

      <div className="cards">
        <section className="panel">
          <h2>Namespaces</h2>
          <Checklist
            label="Namespaces"
            all={namespaces.map((n) => ({ id: n.id, note: labelsNote(n.labels) }))}
            chosen={draft.namespaces}
            readOnly={!canEdit}
            onChange={(ids) => setDraft((d) => ({ ...d, namespaces: ids }))}
            emptyLink={fluxRoutes.namespaces}
          />
        </section>
        <section className="panel">
          <h2>Role bindings</h2>
          <Checklist
            label="Role bindings"
            all={rolebindings.map((b) => ({ id: b.id, note: b.role }))}
            chosen={draft.rolebindings}
            readOnly={!canEdit}
            onChange={(ids) => setDraft((d) => ({ ...d, rolebindings: ids }))}
            emptyLink={fluxRoutes.rolebindings}
          />
        </section>
      </div>

      <div className="panel save-bar">
        <span>
          {summary.enabled} enabled, {summary.disabled} disabled, {summary.namespaces} namespaces, {summary.rolebindings} role bindings
        </span>
        {changed ? <Badge tone="warn">unsaved changes</Badge> : savedAt ? <span className="muted" data-testid="saved">Saved at {savedAt}.</span> : null}
        <span className="spacer" />
        <Link to={fluxRoutes.preview(cluster)} className="button-link">
          Preview
        </Link>
        {canEdit ? (
          <>
            <button type="button" disabled={busy || !changed} onClick={() => setDraft(baseline)}>
              Discard changes
            </button>
            <button type="submit" className="primary" disabled={busy || !changed}>
              {busy ? 'Saving…' : 'Save'}
            </button>
          </>
        ) : (
          <span className="hint">Read-only: operators and admins can change assignments.</span>
        )}
      </div>
      <FormProblems problems={problems} />
      {save.error ? <FluxErrorPanel error={save.error} title="Cannot save the assignments" /> : null}
      <WarningsNotice warnings={warnings} onDismiss={() => setWarnings([])} />
    </form>
  );
}

function labelsNote(labels: Record<string, string> | undefined): string {
  const n = Object.keys(labels ?? {}).length;
  return n === 0 ? '' : n === 1 ? '1 label' : `${n} labels`;
}

function ComponentAssignmentRow({
  draft,
  catalog,
  unmet,
  readOnly,
  onChange,
}: {
  draft: ComponentDraft;
  catalog: PlatformComponent | undefined;
  /** Dependencies this component waits for that the cluster does not have enabled. */
  unmet: string[];
  readOnly: boolean;
  onChange: (f: (c: ComponentDraft) => ComponentDraft) => void;
}) {
  const assigned = draft.state !== 'unassigned';
  return (
    <div className={`assignment-row state-${draft.state}`} data-testid="assignment-row" data-component={draft.id}>
      <div className="assignment-head">
        <div className="assignment-title">
          <strong>{draft.id}</strong>{' '}
          {draft.missing ? <Badge tone="bad">not in the catalog</Badge> : null}
          {unmet.length > 0 ? <Badge tone="warn">{`needs ${unmet.join(', ')} enabled`}</Badge> : null}
          {catalog ? (
            <span className="muted">
              {catalog.component_path} @ {catalog.oci_tag}
              {(catalog.depends_on ?? []).length > 0 ? ` · needs ${(catalog.depends_on ?? []).join(', ')}` : ''}
            </span>
          ) : null}
        </div>
        <div className="segmented" role="radiogroup" aria-label={`${draft.id} assignment`}>
          {ASSIGNMENT_STATES.map(({ state, label }) => (
            <label key={state} className={draft.state === state ? 'segment active' : 'segment'}>
              <input
                type="radio"
                name={`state-${draft.id}`}
                value={state}
                checked={draft.state === state}
                disabled={readOnly}
                onChange={() => onChange((c) => ({ ...c, state }))}
              />
              {label}
            </label>
          ))}
        </div>
      </div>
      {assigned ? (
        <div className="assignment-body">
          <div className="form-cols">
            <label>
              oci_tag override
              <input
                value={draft.ociTag}
                readOnly={readOnly}
                placeholder={catalog?.oci_tag || 'catalog default'}
                onChange={(e) => onChange((c) => ({ ...c, ociTag: e.target.value }))}
              />
            </label>
            <label>
              component_path override
              <input
                value={draft.componentPath}
                readOnly={readOnly}
                placeholder={catalog?.component_path || 'catalog default'}
                onChange={(e) => onChange((c) => ({ ...c, componentPath: e.target.value }))}
              />
            </label>
          </div>
          <div className="patches">
            <span className="field-label">Patches</span>
            <KeyValueEditor
              name="Patch"
              rows={draft.patches}
              readOnly={readOnly}
              onChange={(patches) => onChange((c) => ({ ...c, patches }))}
              keyPlaceholder="replicaCount"
              valuePlaceholder='3, true, "text", {"a": 1} or plain text'
              valueHint={(row) => (row.key.trim() === '' && row.value === '' ? null : <code>{patchValueType(row.value)}</code>)}
            />
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Checklist({
  label,
  all,
  chosen,
  readOnly,
  onChange,
  emptyLink,
}: {
  label: string;
  all: { id: string; note: string }[];
  chosen: string[];
  readOnly: boolean;
  onChange: (ids: string[]) => void;
  emptyLink: string;
}) {
  const known = new Set(all.map((a) => a.id));
  const entries = [...all, ...chosen.filter((id) => !known.has(id)).map((id) => ({ id, note: 'not in the catalog' }))];
  if (entries.length === 0) {
    return (
      <p className="muted">
        None in the catalog yet: <Link to={emptyLink}>add some</Link>.
      </p>
    );
  }
  return (
    <div className="checklist" role="group" aria-label={label}>
      {entries.map((entry) => (
        <label key={entry.id} className="checkbox-label">
          <input
            type="checkbox"
            checked={chosen.includes(entry.id)}
            disabled={readOnly}
            onChange={(e) => onChange(toggleInList(chosen, entry.id, e.target.checked))}
          />
          {entry.id}
          {entry.note ? <span className="muted"> {entry.note}</span> : null}
        </label>
      ))}
    </div>
  );
}
