// An apply's 409 `kube_conflict` as the conflict resolver lists it: the apiserver's Status is in
// the error's `details.kubeStatus`, one cause per field another field manager owns.
import type { ApiError } from '../api/client';

export interface FieldConflict {
  /** The field path, e.g. `.spec.replicas`. */
  field: string;
  /** The apiserver's words naming the manager: `conflict with "kubectl" using apps/v1`. */
  manager: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The conflicts of a failed apply; null when the error is not a field manager conflict. */
export function applyConflicts(error: ApiError): FieldConflict[] | null {
  if (error.code !== 'kube_conflict') return null;
  const status = error.details?.kubeStatus;
  const causes = isRecord(status) && isRecord(status.details) && Array.isArray(status.details.causes) ? status.details.causes : [];
  return causes.filter(isRecord).map((cause) => ({
    field: typeof cause.field === 'string' ? cause.field : '',
    manager: typeof cause.message === 'string' ? cause.message : '',
  }));
}
