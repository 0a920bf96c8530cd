import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { applyConflicts } from './conflicts';

describe('applyConflicts', () => {
  it("lists each cause of the apiserver's Status", () => {
    const error = new ApiError({
      status: 409,
      code: 'kube_conflict',
      message: 'Apply failed with 1 conflict',
      details: {
        kubeStatus: {
          reason: 'Conflict',
          details: { causes: [{ reason: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl" with subresource "scale"' }] },
        },
      },
    });
    expect(applyConflicts(error)).toEqual([{ field: '.spec.replicas', manager: 'conflict with "kubectl" with subresource "scale"' }]);
  });

  it('is null for other errors, empty for a conflict without causes', () => {
    expect(applyConflicts(new ApiError({ status: 409, code: 'unmanaged_pod', message: 'x' }))).toBeNull();
    expect(applyConflicts(new ApiError({ status: 409, code: 'kube_conflict', message: 'x' }))).toEqual([]);
  });
});
