// What a cluster dashboard's errors mean.
import type { ApiError } from '../api/client';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 409 no_connection: Fleetdeck has no connection to the cluster yet. */
export function isNoConnection(error: ApiError | null): boolean {
  return error !== null && error.status === 409 && error.code === 'no_connection';
}

/** Explanations to show under a dashboard error (the apiserver's own Status for kube_* codes). */
export function dashboardErrorHints(error: ApiError): string[] {
  switch (error.code) {
    case 'apiserver_unreachable':
      return ['The Fleetdeck server cannot reach the apiserver: check the server URL, the network and that the cluster is up.'];
    case 'apiserver_timeout':
      return ['The apiserver did not answer in time; it may be overloaded or behind a slow link.'];
    case 'cluster_auth_failed':
      return ["The apiserver refused Fleetdeck's credentials: they may have expired or been revoked. An admin can replace the connection."];
  }
  if (error.code.startsWith('kube_')) {
    const status = error.details?.kubeStatus;
    if (!isRecord(status)) return [];
    const parts = [
      typeof status.reason === 'string' && status.reason !== '' ? status.reason : null,
      typeof status.code === 'number' ? `HTTP ${status.code}` : null,
    ].filter((p): p is string => p !== null);
    const message = typeof status.message === 'string' && status.message !== '' ? status.message : null;
    const head = parts.length > 0 ? `Kubernetes answered ${parts.join(', ')}` : 'Kubernetes answered';
    return [message ? `${head}: ${message}` : `${head}.`];
  }
  return [];
}
