import { useState, type FormEvent } from 'react';
import { fluxRoleBindings, paths } from '../api/endpoints';
import type { FluxRoleBinding, SubjectKind } from '../api/types';
import { CatalogFormFooter, CatalogPage, type CatalogColumn, type CatalogFormProps } from '../components/CatalogPage';
import { DnsLabelField } from '../components/DnsLabelField';
import { removeRow, replaceRow } from '../lib/keyValue';
import {
  describeSubject,
  newSubjectRow,
  RBAC_API_GROUP,
  SUBJECT_KINDS,
  subjectRowFromSubject,
  subjectsFromRows,
  usesNamespace,
  withKind,
  type SubjectRow,
} from '../lib/subjects';

const columns: CatalogColumn<FluxRoleBinding>[] = [
  { header: 'Id', cell: (b) => <code>{b.id}</code> },
  { header: 'Role', cell: (b) => <code>{b.role}</code> },
  {
    header: 'Subjects',
    cell: (b) =>
      b.subjects.length === 0 ? (
        <span className="muted">none</span>
      ) : (
        <span className="chips">
          {b.subjects.map((s, i) => (
            <span key={i} className="chip">
              {describeSubject(s)}
            </span>
          ))}
        </span>
      ),
  },
];

export function FluxRoleBindingsPage() {
  return (
    <CatalogPage
      title="Role bindings"
      intro="Cluster role bindings Flux creates on the clusters they are assigned to."
      noun="role binding"
      listPath={paths.fluxRoleBindings}
      endpoints={fluxRoleBindings}
      columns={columns}
      Form={RoleBindingForm}
      wideForm
    />
  );
}

function RoleBindingForm({ initial, busy, error, onSubmit, onCancel }: CatalogFormProps<FluxRoleBinding>) {
  const [id, setId] = useState(initial?.id ?? '');
  const [role, setRole] = useState(initial?.role ?? '');
  const [rows, setRows] = useState<SubjectRow[]>(() =>
    initial && initial.subjects.length > 0 ? initial.subjects.map(subjectRowFromSubject) : [newSubjectRow()],
  );
  const [problems, setProblems] = useState<string[]>([]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const subjects = subjectsFromRows(rows);
    setProblems(subjects.errors);
    if (subjects.errors.length > 0) return;
    onSubmit({ id: initial?.id ?? id.trim(), role: role.trim(), subjects: subjects.value });
  }

  const update = (index: number, row: SubjectRow) => setRows(replaceRow(rows, index, row));

  return (
    <form onSubmit={submit} className="form-grid" aria-label="Role binding">
      <div className="form-cols">
        <DnsLabelField label="Id" value={id} disabled={initial !== null} placeholder="platform-admins" onChange={setId} />
        <label>
          Role (ClusterRole)
          <input required value={role} placeholder="cluster-admin" onChange={(e) => setRole(e.target.value)} />
        </label>
      </div>
      <fieldset className="fieldset">
        <legend>Subjects</legend>
        <div className="subject-rows">
          {rows.map((row, index) => (
            <div className="subject-row" key={index} data-testid="subject-row">
              <select
                aria-label={`Subject kind ${index + 1}`}
                value={row.kind}
                onChange={(e) => update(index, withKind(row, e.target.value as SubjectKind))}
              >
                {SUBJECT_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {kind}
                  </option>
                ))}
              </select>
              <input
                aria-label={`Subject name ${index + 1}`}
                placeholder="name"
                value={row.name}
                onChange={(e) => update(index, { ...row, name: e.target.value })}
              />
              {usesNamespace(row.kind) ? (
                <input
                  aria-label={`Subject namespace ${index + 1}`}
                  placeholder="namespace"
                  value={row.namespace}
                  onChange={(e) => update(index, { ...row, namespace: e.target.value })}
                />
              ) : (
                <input
                  aria-label={`Subject apiGroup ${index + 1}`}
                  placeholder={RBAC_API_GROUP}
                  value={row.apiGroup}
                  onChange={(e) => update(index, { ...row, apiGroup: e.target.value })}
                />
              )}
              <button type="button" aria-label={`Remove subject ${index + 1}`} onClick={() => setRows(removeRow(rows, index))}>
                ×
              </button>
            </div>
          ))}
          <div>
            <button type="button" onClick={() => setRows([...rows, newSubjectRow()])}>
              Add subject
            </button>
          </div>
        </div>
      </fieldset>
      <CatalogFormFooter problems={problems} error={error} busy={busy} creating={initial === null} onCancel={onCancel} />
    </form>
  );
}
