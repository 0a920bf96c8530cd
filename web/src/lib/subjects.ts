// Role binding subjects as form rows: User and Group carry an apiGroup (rbac.authorization.k8s.io
// by default), a ServiceAccount carries a namespace instead.
import type { FluxSubject, SubjectKind } from '../api/types';
import type { Parsed } from './keyValue';

export const SUBJECT_KINDS = ['User', 'Group', 'ServiceAccount'] as const satisfies readonly SubjectKind[];
export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';

export interface SubjectRow {
  kind: SubjectKind;
  name: string;
  apiGroup: string;
  namespace: string;
}

export const usesNamespace = (kind: SubjectKind) => kind === 'ServiceAccount';

export function newSubjectRow(kind: SubjectKind = 'Group'): SubjectRow {
  return { kind, name: '', apiGroup: usesNamespace(kind) ? '' : RBAC_API_GROUP, namespace: '' };
}

export function subjectRowFromSubject(subject: FluxSubject): SubjectRow {
  return { kind: subject.kind, name: subject.name, apiGroup: subject.apiGroup ?? '', namespace: subject.namespace ?? '' };
}

/** A row switched to another kind: User/Group get the default apiGroup when they have none. */
export function withKind(row: SubjectRow, kind: SubjectKind): SubjectRow {
  if (usesNamespace(kind)) return { ...row, kind, apiGroup: row.apiGroup === RBAC_API_GROUP ? '' : row.apiGroup };
  return { ...row, kind, apiGroup: row.apiGroup.trim() === '' ? RBAC_API_GROUP : row.apiGroup };
}

/** Rows to subjects; blank rows are skipped, a ServiceAccount needs a namespace. */
export function subjectsFromRows(rows: readonly SubjectRow[]): Parsed<FluxSubject[]> {
  const value: FluxSubject[] = [];
  const errors: string[] = [];
  rows.forEach((row, index) => {
    const name = row.name.trim();
    const namespace = row.namespace.trim();
    const apiGroup = row.apiGroup.trim();
    if (name === '' && namespace === '') return;
    if (name === '') {
      errors.push(`Subject ${index + 1} has no name.`);
      return;
    }
    const subject: FluxSubject = { kind: row.kind, name };
    if (usesNamespace(row.kind)) {
      if (namespace === '') errors.push(`The ServiceAccount "${name}" needs a namespace.`);
      subject.namespace = namespace;
      if (apiGroup !== '') subject.apiGroup = apiGroup;
    } else {
      subject.apiGroup = apiGroup === '' ? RBAC_API_GROUP : apiGroup;
    }
    value.push(subject);
  });
  return { value, errors };
}

/** One line for a table: "Group platform-team", "ServiceAccount flux-system/kustomize". */
export function describeSubject(subject: FluxSubject): string {
  return subject.kind === 'ServiceAccount' && subject.namespace
    ? `${subject.kind} ${subject.namespace}/${subject.name}`
    : `${subject.kind} ${subject.name}`;
}
