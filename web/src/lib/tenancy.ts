// Tenants, projects and apps: the forms' drafts and their checks (the server checks too; this is
// early feedback), and how a quota reads.
import type { CreateApp, CreateProject, CreateTenant, Quota } from '../api/types';
import { isDns1123Label } from './fluxIds';
import type { Checked } from './forms';

/** Tenant and project names start the projects' namespaces (`<tenant>-<project>`). */
export const SHORT_NAME_MAX = 30;

export type TenantDraft = { name: string; displayName: string };
export const EMPTY_TENANT_DRAFT: TenantDraft = { name: '', displayName: '' };

export type QuotaDraft = { requestsCpu: string; requestsMemory: string; limitsCpu: string; limitsMemory: string; pods: string };
export const EMPTY_QUOTA_DRAFT: QuotaDraft = { requestsCpu: '', requestsMemory: '', limitsCpu: '', limitsMemory: '', pods: '' };

export type ProjectDraft = { name: string; cluster: string; namespace: string; quota: QuotaDraft };
export const EMPTY_PROJECT_DRAFT: ProjectDraft = { name: '', cluster: '', namespace: '', quota: EMPTY_QUOTA_DRAFT };

export type AppDraft = { name: string; image: string; replicas: string; port: string; host: string };
export const EMPTY_APP_DRAFT: AppDraft = { name: '', image: '', replicas: '1', port: '', host: '' };

function shortName(what: string, name: string): string | null {
  return isDns1123Label(name) && name.length <= SHORT_NAME_MAX
    ? null
    : `The ${what} name must be lowercase letters, digits and "-", at most ${SHORT_NAME_MAX} characters.`;
}

/** A whole number from `min` to `max`, or null. */
function whole(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

export function tenantInput(d: TenantDraft): Checked<CreateTenant> {
  const problem = shortName('tenant', d.name.trim());
  if (problem) return { error: problem };
  const displayName = d.displayName.trim();
  return { input: { name: d.name.trim(), ...(displayName ? { displayName } : {}) } };
}

/** The quota's fields that are filled in; what is left out takes the platform's ceiling. */
export function quotaInput(d: QuotaDraft): Checked<Quota> {
  const quota: Quota = {};
  for (const key of ['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory'] as const) {
    const value = d[key].trim();
    if (value) quota[key] = value;
  }
  if (d.pods.trim()) {
    const pods = whole(d.pods, 0, 100000);
    if (pods === null) return { error: 'Pods must be a whole number from 0 to 100000.' };
    quota.pods = pods;
  }
  return { input: quota };
}

export function projectInput(tenantId: string, d: ProjectDraft): Checked<CreateProject> {
  const problem = shortName('project', d.name.trim());
  if (problem) return { error: problem };
  if (!d.cluster) return { error: 'Choose the cluster the project lives in.' };
  const namespace = d.namespace.trim();
  if (namespace && !isDns1123Label(namespace)) return { error: 'The namespace must be a DNS-1123 label.' };
  const quota = quotaInput(d.quota);
  if ('error' in quota) return quota;
  return { input: { tenantId, name: d.name.trim(), cluster: d.cluster, ...(namespace ? { namespace } : {}), quota: quota.input } };
}

export function appInput(projectId: string, d: AppDraft): Checked<CreateApp> {
  const name = d.name.trim();
  if (!isDns1123Label(name)) return { error: 'The app name must be a DNS-1123 label.' };
  const image = d.image.trim();
  if (!image || /\s/.test(image)) return { error: 'Give the image, such as ghcr.io/acme/web:1.4.' };
  const replicas = whole(d.replicas, 0, 100);
  if (replicas === null) return { error: 'Replicas must be a whole number from 0 to 100.' };
  const port = d.port.trim() ? whole(d.port, 1, 65535) : undefined;
  if (port === null) return { error: 'The port must be from 1 to 65535.' };
  const host = d.host.trim();
  if (host && port === undefined) return { error: 'A host needs a port to serve.' };
  return {
    input: { projectId, name, spec: { image, replicas, ...(port !== undefined ? { port } : {}), ...(host ? { host } : {}) } },
  };
}

/** A quota as one line: `requests 2 CPU, 4Gi · limits 8Gi · 50 pods`; `no quota` when empty. */
export function quotaLine(q: Quota): string {
  const requests = [q.requestsCpu ? `${q.requestsCpu} CPU` : null, q.requestsMemory ?? null].filter(Boolean).join(', ');
  const limits = [q.limitsCpu ? `${q.limitsCpu} CPU` : null, q.limitsMemory ?? null].filter(Boolean).join(', ');
  const parts = [requests ? `requests ${requests}` : null, limits ? `limits ${limits}` : null, q.pods != null ? `${q.pods} pods` : null];
  const line = parts.filter(Boolean).join(' · ');
  return line || 'no quota';
}
