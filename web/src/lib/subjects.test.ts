import { describe, expect, it } from 'vitest';
import { describeSubject, newSubjectRow, RBAC_API_GROUP, subjectRowFromSubject, subjectsFromRows, withKind } from './subjects';

describe('role binding subjects', () => {
  it('starts User and Group rows with the RBAC api group, ServiceAccount rows without', () => {
    expect(newSubjectRow('User').apiGroup).toBe(RBAC_API_GROUP);
    expect(newSubjectRow('Group').apiGroup).toBe(RBAC_API_GROUP);
    expect(newSubjectRow('ServiceAccount').apiGroup).toBe('');
  });

  it('adjusts the api group when the kind changes', () => {
    const group = { ...newSubjectRow('Group'), name: 'team' };
    const sa = withKind(group, 'ServiceAccount');
    expect(sa).toEqual({ kind: 'ServiceAccount', name: 'team', apiGroup: '', namespace: '' });
    expect(withKind(sa, 'User').apiGroup).toBe(RBAC_API_GROUP);
    expect(withKind({ ...group, apiGroup: 'custom.io' }, 'User').apiGroup).toBe('custom.io');
  });

  it('builds subjects, skipping blank rows', () => {
    const parsed = subjectsFromRows([
      { kind: 'Group', name: ' platform-team ', apiGroup: '', namespace: 'ignored' },
      { kind: 'ServiceAccount', name: 'kustomize', apiGroup: '', namespace: 'flux-system' },
      newSubjectRow('User'),
    ]);
    expect(parsed).toEqual({
      value: [
        { kind: 'Group', name: 'platform-team', apiGroup: RBAC_API_GROUP },
        { kind: 'ServiceAccount', name: 'kustomize', namespace: 'flux-system' },
      ],
      errors: [],
    });
  });

  it('needs a name, and a namespace for a ServiceAccount', () => {
    expect(subjectsFromRows([{ kind: 'User', name: '', apiGroup: RBAC_API_GROUP, namespace: 'x' }]).errors).toEqual([
      'Subject 1 has no name.',
    ]);
    expect(subjectsFromRows([{ kind: 'ServiceAccount', name: 'sa', apiGroup: '', namespace: '' }]).errors).toEqual([
      'The ServiceAccount "sa" needs a namespace.',
    ]);
  });

  it('round-trips subjects through rows', () => {
    const subjects = [
      { kind: 'User' as const, name: 'alice', apiGroup: RBAC_API_GROUP },
      { kind: 'ServiceAccount' as const, name: 'sa', namespace: 'ns' },
    ];
    expect(subjectsFromRows(subjects.map(subjectRowFromSubject)).value).toEqual(subjects);
  });

  it('describes subjects', () => {
    expect(describeSubject({ kind: 'Group', name: 'ops' })).toBe('Group ops');
    expect(describeSubject({ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' })).toBe('ServiceAccount ns/sa');
  });
});
