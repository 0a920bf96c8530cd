import { describe, expect, it } from 'vitest';
import { appInput, EMPTY_APP_DRAFT, EMPTY_PROJECT_DRAFT, EMPTY_QUOTA_DRAFT, projectInput, quotaLine, tenantInput } from './tenancy';

describe('tenant form', () => {
  it('sends the name, and the display name when given', () => {
    expect(tenantInput({ name: ' acme ', displayName: '' })).toEqual({ input: { name: 'acme' } });
    expect(tenantInput({ name: 'acme', displayName: ' Acme Inc. ' })).toEqual({ input: { name: 'acme', displayName: 'Acme Inc.' } });
  });
  it('refuses names that cannot start a namespace', () => {
    for (const name of ['', 'Acme', 'a_b', 'a'.repeat(31)]) expect(tenantInput({ name, displayName: '' })).toHaveProperty('error');
  });
});

describe('project form', () => {
  const draft = { ...EMPTY_PROJECT_DRAFT, name: 'web', cluster: 'prod' };
  it('sends only the quota fields filled in', () => {
    const quota = { ...EMPTY_QUOTA_DRAFT, requestsCpu: ' 2 ', pods: '50' };
    expect(projectInput('t1', { ...draft, quota })).toEqual({
      input: { tenantId: 't1', name: 'web', cluster: 'prod', quota: { requestsCpu: '2', pods: 50 } },
    });
    expect(projectInput('t1', { ...draft, namespace: 'acme-web-2' })).toEqual({
      input: { tenantId: 't1', name: 'web', cluster: 'prod', namespace: 'acme-web-2', quota: {} },
    });
  });
  it('says what is wrong', () => {
    expect(projectInput('t1', { ...draft, cluster: '' })).toEqual({ error: 'Choose the cluster the project lives in.' });
    expect(projectInput('t1', { ...draft, namespace: 'Bad' })).toHaveProperty('error');
    expect(projectInput('t1', { ...draft, quota: { ...EMPTY_QUOTA_DRAFT, pods: '1.5' } })).toHaveProperty('error');
    expect(projectInput('t1', { ...draft, quota: { ...EMPTY_QUOTA_DRAFT, pods: '100001' } })).toHaveProperty('error');
  });
});

describe('app form', () => {
  const draft = { ...EMPTY_APP_DRAFT, name: 'api', image: 'ghcr.io/acme/api:1' };
  it('nests what the app runs in its spec', () => {
    expect(appInput('p1', { ...draft, port: '8080', host: 'api.acme.example' })).toEqual({
      input: { projectId: 'p1', name: 'api', spec: { image: 'ghcr.io/acme/api:1', replicas: 1, port: 8080, host: 'api.acme.example' } },
    });
    expect(appInput('p1', { ...draft, replicas: '0' })).toEqual({
      input: { projectId: 'p1', name: 'api', spec: { image: 'ghcr.io/acme/api:1', replicas: 0 } },
    });
  });
  it('refuses a host without a port and out-of-range numbers', () => {
    expect(appInput('p1', { ...draft, host: 'api.acme.example' })).toEqual({ error: 'A host needs a port to serve.' });
    expect(appInput('p1', { ...draft, replicas: '101' })).toHaveProperty('error');
    expect(appInput('p1', { ...draft, port: '70000' })).toHaveProperty('error');
    expect(appInput('p1', { ...draft, image: 'a b' })).toHaveProperty('error');
  });
});

describe('quota line', () => {
  it('reads requests, limits and pods', () => {
    expect(quotaLine({ requestsCpu: '2', requestsMemory: '4Gi', limitsMemory: '8Gi', pods: 50 })).toBe('requests 2 CPU, 4Gi · limits 8Gi · 50 pods');
    expect(quotaLine({})).toBe('no quota');
  });
});
