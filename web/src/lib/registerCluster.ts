// The register-cluster form: what it sends, and what the server's connection errors mean.
import type { ApiError } from '../api/client';
import type { AuthzMode, CreateClusterRequest, UpdateClusterRequest } from '../api/types';
import { stringRowsToObject, type KeyValueRow, type Parsed } from './keyValue';

export type ConnectionMode = 'kubeconfig' | 'token';

/** How Fleetdeck reaches a cluster: a pasted kubeconfig, or a server URL and a bearer token. */
export interface ConnectionForm {
  mode: ConnectionMode;
  kubeconfig: string;
  server: string;
  token: string;
  /** Base64 PEM of the apiserver's CA (optional). */
  certificateAuthorityData: string;
  insecureSkipTlsVerify: boolean;
  authzMode: AuthzMode;
}

export interface RegisterForm extends ConnectionForm {
  name: string;
  displayName: string;
  environment: string;
  dns: string;
  labels: KeyValueRow[];
}

export const emptyConnection = (): ConnectionForm => ({
  mode: 'kubeconfig',
  kubeconfig: '',
  server: '',
  token: '',
  certificateAuthorityData: '',
  insecureSkipTlsVerify: false,
  authzMode: 'shared',
});

export const emptyRegisterForm = (): RegisterForm => ({
  ...emptyConnection(),
  name: '',
  displayName: '',
  environment: '',
  dns: '',
  labels: [],
});

export const AUTHZ_MODE_HINTS: Record<AuthzMode, string> = {
  shared: "Fleetdeck's own identity talks to the cluster; Fleetdeck roles decide who sees what.",
  impersonate: "Fleetdeck impersonates each user; the cluster's Kubernetes RBAC decides what they see.",
};

/** The connection fields of the form, for POST or PUT; the problems to fix first. */
export function buildConnection(form: ConnectionForm): Parsed<Pick<CreateClusterRequest, 'kubeconfig' | 'server' | 'token' | 'certificateAuthorityData' | 'insecureSkipTlsVerify' | 'authzMode'>> {
  const errors: string[] = [];
  if (form.mode === 'kubeconfig') {
    if (form.kubeconfig.trim() === '') errors.push('Paste a kubeconfig or choose a file.');
    return { value: { kubeconfig: form.kubeconfig, authzMode: form.authzMode }, errors };
  }
  const server = form.server.trim();
  const token = form.token.trim();
  if (server === '') errors.push('Give the apiserver URL.');
  else if (!/^https:\/\//i.test(server)) errors.push('The apiserver URL must start with https://.');
  if (token === '') errors.push('Give a bearer token.');
  const ca = form.certificateAuthorityData.replace(/\s+/g, '');
  return {
    value: {
      server,
      token,
      ...(ca !== '' ? { certificateAuthorityData: ca } : {}),
      ...(form.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
      authzMode: form.authzMode,
    },
    errors,
  };
}

/** The POST /api/clusters body of the register form; the problems to fix before sending. */
export function buildRegisterBody(form: RegisterForm): Parsed<CreateClusterRequest> {
  const labels = stringRowsToObject(form.labels);
  const connection = buildConnection(form);
  const errors = [...connection.errors, ...labels.errors.map((e) => `Labels: ${e}`)];
  if (form.name.trim() === '') errors.unshift('Give the cluster a name.');
  if (form.environment === '') errors.push('Choose an environment.');
  const displayName = form.displayName.trim();
  const dns = form.dns.trim();
  return {
    value: {
      name: form.name.trim(),
      ...(displayName !== '' ? { displayName } : {}),
      ...(dns !== '' ? { dns } : {}),
      environment: form.environment,
      ...(Object.keys(labels.value).length > 0 ? { labels: labels.value } : {}),
      ...connection.value,
    },
    errors,
  };
}

/** The PUT body replacing a cluster's connection. */
export function buildConnectionUpdate(form: ConnectionForm): Parsed<UpdateClusterRequest> {
  return buildConnection(form);
}

export const CONNECTION_FAILURE_REASONS: Record<string, string> = {
  tls: "the apiserver's TLS certificate could not be verified (give its CA, or skip verification)",
  unauthorized: 'the apiserver refused the credentials (401)',
  forbidden: 'the credentials may not read the cluster (403)',
  unreachable: 'the apiserver cannot be reached from the Fleetdeck server',
  timeout: 'the apiserver did not answer in time',
  invalid: 'the apiserver sent an answer that is not Kubernetes',
};

/** A 422 connection_failed: the reason code and its explanation; null for any other error. */
export function connectionFailure(error: ApiError | undefined): { reason: string; explanation: string } | null {
  if (!error || error.code !== 'connection_failed') return null;
  const reason = typeof error.details?.reason === 'string' ? error.details.reason : 'unknown';
  return { reason, explanation: CONNECTION_FAILURE_REASONS[reason] ?? 'the connection test failed' };
}

/** Explanations to show under a register or connection error. */
export function connectionErrorHints(error: ApiError): string[] {
  switch (error.code) {
    case 'invalid_kubeconfig':
      return ['Give a kubeconfig with exactly one context and inline data only: exec plugins, auth providers and file paths are refused.'];
    case 'invalid_connection':
      return ['Give either a kubeconfig or a server URL with a token.'];
    case 'secret_key_required':
      return [
        'The server cannot store credentials: its operator must set FLEETDECK_SECRET_KEY (base64 of 32 random bytes) and restart it. Clusters without a connection can still be created.',
      ];
    case 'connection_from_config':
      return ["This cluster's connection comes from the server's kubeconfig and cannot be changed here; its metadata stays editable."];
    case 'conflict':
      return ['A cluster with that name (or dns) already exists.'];
    default:
      return [];
  }
}

/** Whether a cluster's connection is managed by the server's own configuration. */
export function connectionFromConfig(source: string): boolean {
  return source === 'kubeconfig' || source === 'in-cluster';
}
