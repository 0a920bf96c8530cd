import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { dashboardErrorHints, isNoConnection } from './dashboard';

const err = (status: number, code: string, details?: Record<string, unknown>) => new ApiError({ status, code, message: 'm', details });

describe('dashboard errors', () => {
  it('recognises no_connection', () => {
    expect(isNoConnection(err(409, 'no_connection'))).toBe(true);
    expect(isNoConnection(err(409, 'conflict'))).toBe(false);
    expect(isNoConnection(null)).toBe(false);
  });

  it('explains the apiserver errors', () => {
    expect(dashboardErrorHints(err(502, 'apiserver_unreachable'))[0]).toMatch(/cannot reach/);
    expect(dashboardErrorHints(err(504, 'apiserver_timeout'))[0]).toMatch(/in time/);
    expect(dashboardErrorHints(err(502, 'cluster_auth_failed'))[0]).toMatch(/refused/);
    expect(dashboardErrorHints(err(500, 'internal'))).toEqual([]);
  });

  it("shows the apiserver's Status of kube_* errors", () => {
    expect(
      dashboardErrorHints(err(403, 'kube_forbidden', { kubeStatus: { reason: 'Forbidden', code: 403, message: 'nodes is forbidden' } })),
    ).toEqual(['Kubernetes answered Forbidden, HTTP 403: nodes is forbidden']);
    expect(dashboardErrorHints(err(404, 'kube_not_found', { kubeStatus: {} }))).toEqual(['Kubernetes answered.']);
    expect(dashboardErrorHints(err(404, 'kube_not_found'))).toEqual([]);
  });
});
