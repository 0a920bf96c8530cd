import { useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { appsOfPath, createApp, createProject, createTenant, deleteApp, deleteProject, deleteTenant, issueKubeconfig, paths, projectsOfPath, usageSnapshotPath } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { AppList, ClusterList, NamespaceNow, PlatformPolicyView, ProjectList, TenantList, UsageSnapshot } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FormFooter } from '../components/FormFooter';
import { Loading } from '../components/Loading';
import { QuotaBars } from '../components/QuotaBars';
import { projectQuotaBars } from '../lib/billing';
import { useApiMutation } from '../hooks/useApiMutation';
import { useEditForm } from '../hooks/useEditForm';
import { useFresh } from '../hooks/useFresh';
import { isAdmin } from '../lib/roles';
import {
  appInput,
  EMPTY_APP_DRAFT,
  EMPTY_PROJECT_DRAFT,
  EMPTY_TENANT_DRAFT,
  projectInput,
  quotaLine,
  tenantInput,
  type AppDraft,
  type QuotaDraft,
} from '../lib/tenancy';

/** Tenants, the projects of the one chosen (`?tenant=`), the apps of the project chosen (`?project=`). */
export function TenancyPage() {
  const [search, setSearch] = useSearchParams();
  const tenantId = search.get('tenant');
  const projectId = search.get('project');
  const canWrite = isAdmin(useCurrentUser().roles);
  const tenants = useQuery(apiQuery<TenantList>(paths.tenants));
  const policy = useQuery(apiQuery<PlatformPolicyView>(paths.platformPolicy));
  const choose = (tenant: string | null, project: string | null) => {
    const next = new URLSearchParams();
    if (tenant) next.set('tenant', tenant);
    if (project) next.set('project', project);
    setSearch(next);
  };
  const allowlist = policy.data?.policy.imageAllowlist ?? [];
  const [tenantForm, freshTenantForm] = useFresh();

  return (
    <>
      <h1>Tenants</h1>
      <p className="muted">
        Who owns what: tenants, their projects (a namespace in a cluster, with its quota) and the projects' apps.
        {allowlist.length > 0 ? ` Apps pull from ${allowlist.join(', ')}.` : ''}
      </p>
      <section className="panel" aria-label="Tenants">
        <Toolbar count={tenants.data?.items.length} noun="tenant" fetching={tenants.isFetching} />
        {tenants.error ? <ErrorPanel error={tenants.error} onRetry={() => void tenants.refetch()} /> : null}
        <table className="table" aria-label="Tenant list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Display name</th>
              <th>Created by</th>
            </tr>
          </thead>
          <tbody>
            {(tenants.data?.items ?? []).map((t) => (
              <tr key={t.id} aria-selected={t.id === tenantId} data-testid="tenant-row">
                <td>
                  <button type="button" className="link-button" onClick={() => choose(t.id, null)}>
                    {t.name}
                  </button>
                </td>
                <td>{t.displayName}</td>
                <td>{t.createdBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {canWrite ? <TenantForm key={tenantForm} onDone={freshTenantForm} /> : null}
      </section>
      {tenantId ? <Projects tenantId={tenantId} projectId={projectId} canWrite={canWrite} onChoose={(p) => choose(tenantId, p)} onDeleted={() => choose(null, null)} /> : null}
      {tenantId && projectId ? <Apps projectId={projectId} canWrite={canWrite} onDeleted={() => choose(tenantId, null)} /> : null}
    </>
  );
}

function Toolbar({ count, noun, fetching, children }: { count: number | undefined; noun: string; fetching: boolean; children?: ReactNode }) {
  return (
    <div className="table-toolbar">
      <span>{count === undefined ? '\u00a0' : `${count} ${noun}${count === 1 ? '' : 's'}`}</span>
      {fetching ? <Loading label="" /> : null}
      <span className="spacer" />
      {children}
    </div>
  );
}

function TenantForm({ onDone }: { onDone: () => void }) {
  const form = useEditForm({ initial: EMPTY_TENANT_DRAFT, check: tenantInput, create: createTenant, changed: changes.tenancy, onDone });
  return (
    <form className="form-grid" onSubmit={form.submit} aria-label="New tenant">
      <h2>New tenant</h2>
      <label>
        Name
        <input value={form.draft.name} onChange={(e) => form.set('name', e.target.value)} placeholder="acme" maxLength={30} />
      </label>
      <label>
        Display name
        <input value={form.draft.displayName} onChange={(e) => form.set('displayName', e.target.value)} placeholder="Acme Inc." maxLength={100} />
      </label>
      <FormFooter problem={form.problem} error={form.error} saving={form.saving} saveLabel="Create tenant" onCancel={onDone} />
    </form>
  );
}

function Projects({ tenantId, projectId, canWrite, onChoose, onDeleted }: { tenantId: string; projectId: string | null; canWrite: boolean; onChoose: (id: string) => void; onDeleted: () => void }) {
  // While a change waits for the project sync, its outcome is asked for again.
  const projects = useQuery({
    ...apiQuery<ProjectList>(projectsOfPath(tenantId)),
    refetchInterval: (q) => (q.state.data?.items.some((p) => p.sync.status === 'pending') ? SYNC_POLL_MS : false),
  });
  // What each project's namespace requests now, from the last metering pass, for its quota bars.
  const snapshot = useQuery(apiQuery<UsageSnapshot>(usageSnapshotPath(tenantId)));
  const measured = new Map<string, NamespaceNow>((snapshot.data?.namespaces ?? []).flatMap((n) => (n.projectId ? [[n.projectId, n] as const] : [])));
  const remove = useApiMutation(deleteTenant, changes.tenancy);
  const [form, freshForm] = useFresh();
  return (
    <section className="panel" aria-label="Projects">
      <h2>Projects</h2>
      <Toolbar count={projects.data?.items.length} noun="project" fetching={projects.isFetching}>
        {canWrite ? (
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => window.confirm('Delete this tenant? It must have no projects.') && remove.mutate(tenantId, { onSuccess: onDeleted })}>
            Delete tenant
          </button>
        ) : null}
      </Toolbar>
      {remove.error ? <ErrorPanel error={remove.error} title="Delete failed" /> : null}
      {projects.error ? <ErrorPanel error={projects.error} onRetry={() => void projects.refetch()} /> : null}
      <table className="table" aria-label="Project list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Cluster</th>
            <th>Namespace</th>
            <th>Quota</th>
            <th>In the cluster</th>
          </tr>
        </thead>
        <tbody>
          {(projects.data?.items ?? []).map((p) => (
            <tr key={p.id} aria-selected={p.id === projectId} data-testid="project-row">
              <td>
                <button type="button" className="link-button" onClick={() => onChoose(p.id)}>
                  {p.name}
                </button>
              </td>
              <td>{p.cluster}</td>
              <td>{p.namespace}</td>
              <td>
                {quotaLine(p.quota)}
                {measured.has(p.id) ? <QuotaBars bars={projectQuotaBars(p.quota, measured.get(p.id)!)} testId="project-quota" /> : null}
              </td>
              <td data-testid="project-sync" data-status={p.sync.status}>
                <Badge tone={SYNC_TONES[p.sync.status]}>{p.sync.status}</Badge> {p.sync.error ? <span className="muted">{p.sync.error}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canWrite ? <ProjectForm key={form} tenantId={tenantId} onDone={freshForm} /> : null}
    </section>
  );
}

const KUBECONFIG_LIVES = [
  { seconds: 600, label: '10 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 28800, label: '8 hours' },
  { seconds: 86400, label: '1 day' },
];

/** Issues a kubeconfig for the project's namespace and shows it once (Fleetdeck keeps no copy). */
function KubeconfigForm({ projectId, onDone }: { projectId: string; onDone: () => void }) {
  const asksPassword = useCurrentUser().method === 'password';
  const [password, setPassword] = useState('');
  const [ttlSeconds, setTtlSeconds] = useState(3600);
  const [tried, setTried] = useState(false);
  const issue = useApiMutation(issueKubeconfig, changes.tenancy);
  const issued = issue.data;
  const missing = asksPassword && !password;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (missing) return;
    issue.mutate({ projectId, input: { ttlSeconds, ...(asksPassword ? { password } : {}) } });
  };
  if (issued) {
    return (
      <section className="form-grid" aria-label="Issued kubeconfig">
        <p>
          For namespace {issued.namespace} in {issued.cluster}, acting as {issued.serviceAccount}; it stops working at {new Date(issued.expiresAt).toLocaleString()}. Fleetdeck keeps no copy: save it now.
        </p>
        <textarea readOnly rows={12} value={issued.kubeconfig} aria-label="Kubeconfig YAML" />
        <div className="actions">
          <a className="button-link" download={`${issued.namespace}.kubeconfig`} href={`data:application/yaml;charset=utf-8,${encodeURIComponent(issued.kubeconfig)}`}>
            Download
          </a>
          <button type="button" onClick={onDone}>
            Close
          </button>
        </div>
      </section>
    );
  }
  return (
    <form className="form-grid" onSubmit={submit} aria-label="Kubeconfig">
      <h2>Kubeconfig for this project</h2>
      {asksPassword ? (
        <label>
          Your password
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
      ) : null}
      <label>
        Valid for
        <select value={ttlSeconds} onChange={(e) => setTtlSeconds(Number(e.target.value))}>
          {KUBECONFIG_LIVES.map((l) => (
            <option key={l.seconds} value={l.seconds}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      <FormFooter problem={tried && missing ? 'Give your password to have a kubeconfig.' : null} error={issue.error} saving={issue.isPending} saveLabel="Issue kubeconfig" onCancel={onDone} />
    </form>
  );
}

const SYNC_POLL_MS = 2000;
const SYNC_TONES = { synced: 'good', pending: 'info', failed: 'bad' } as const;

const QUOTA_FIELDS: { key: keyof QuotaDraft; label: string; placeholder: string }[] = [
  { key: 'requestsCpu', label: 'CPU requests', placeholder: '4' },
  { key: 'requestsMemory', label: 'Memory requests', placeholder: '8Gi' },
  { key: 'limitsCpu', label: 'CPU limits', placeholder: '8' },
  { key: 'limitsMemory', label: 'Memory limits', placeholder: '16Gi' },
  { key: 'pods', label: 'Pods', placeholder: '50' },
];

function ProjectForm({ tenantId, onDone }: { tenantId: string; onDone: () => void }) {
  const clusters = useQuery(apiQuery<ClusterList>(paths.clusters));
  const form = useEditForm({ initial: EMPTY_PROJECT_DRAFT, check: (d) => projectInput(tenantId, d), create: createProject, changed: changes.tenancy, onDone });
  return (
    <form className="form-grid" onSubmit={form.submit} aria-label="New project">
      <h2>New project</h2>
      <label>
        Name
        <input value={form.draft.name} onChange={(e) => form.set('name', e.target.value)} placeholder="web" maxLength={30} />
      </label>
      <label>
        Cluster
        <select value={form.draft.cluster} onChange={(e) => form.set('cluster', e.target.value)}>
          <option value="">choose…</option>
          {(clusters.data?.items ?? []).map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Namespace
        <input value={form.draft.namespace} onChange={(e) => form.set('namespace', e.target.value)} placeholder="<tenant>-<project>" maxLength={63} />
      </label>
      {QUOTA_FIELDS.map((f) => (
        <label key={f.key}>
          {f.label}
          <input value={form.draft.quota[f.key]} onChange={(e) => form.set('quota', { ...form.draft.quota, [f.key]: e.target.value })} placeholder={f.placeholder} />
        </label>
      ))}
      <FormFooter problem={form.problem} error={form.error} saving={form.saving} saveLabel="Create project" onCancel={onDone} />
    </form>
  );
}

function Apps({ projectId, canWrite, onDeleted }: { projectId: string; canWrite: boolean; onDeleted: () => void }) {
  const apps = useQuery(apiQuery<AppList>(appsOfPath(projectId)));
  const removeProject = useApiMutation(deleteProject, changes.tenancy);
  const removeApp = useApiMutation(deleteApp, changes.tenancy);
  const [form, freshForm] = useFresh();
  const [kubeconfig, setKubeconfig] = useState(false);
  const error = removeProject.error ?? removeApp.error;
  return (
    <section className="panel" aria-label="Apps">
      <h2>Apps</h2>
      <Toolbar count={apps.data?.items.length} noun="app" fetching={apps.isFetching}>
        {canWrite ? (
          <button type="button" onClick={() => setKubeconfig(true)} disabled={kubeconfig}>
            Kubeconfig
          </button>
        ) : null}
        {canWrite ? (
          <button type="button" className="danger" disabled={removeProject.isPending} onClick={() => window.confirm('Delete this project? It must have no apps. Its namespace is deleted in the cluster with everything in it.') && removeProject.mutate(projectId, { onSuccess: onDeleted })}>
            Delete project
          </button>
        ) : null}
      </Toolbar>
      {kubeconfig ? <KubeconfigForm projectId={projectId} onDone={() => setKubeconfig(false)} /> : null}
      {error ? <ErrorPanel error={error} title="Delete failed" /> : null}
      {apps.error ? <ErrorPanel error={apps.error} onRetry={() => void apps.refetch()} /> : null}
      <table className="table" aria-label="App list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Image</th>
            <th>Replicas</th>
            <th>Port</th>
            <th>Host</th>
            {canWrite ? <th /> : null}
          </tr>
        </thead>
        <tbody>
          {(apps.data?.items ?? []).map((a) => (
            <tr key={a.id} data-testid="app-row">
              <td>{a.name}</td>
              <td>{a.spec.image}</td>
              <td>{a.spec.replicas}</td>
              <td>{a.spec.port ?? '—'}</td>
              <td>{a.spec.host ?? '—'}</td>
              {canWrite ? (
                <td>
                  <button type="button" className="link-button" onClick={() => window.confirm(`Delete app ${a.name}?`) && removeApp.mutate(a.id)}>
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {canWrite ? <AppForm key={form} projectId={projectId} onDone={freshForm} /> : null}
    </section>
  );
}

function AppForm({ projectId, onDone }: { projectId: string; onDone: () => void }) {
  const form = useEditForm({ initial: EMPTY_APP_DRAFT, check: (d) => appInput(projectId, d), create: createApp, changed: changes.tenancy, onDone });
  const field = (key: keyof AppDraft, label: string, placeholder: string) => (
    <label>
      {label}
      <input value={form.draft[key]} onChange={(e) => form.set(key, e.target.value)} placeholder={placeholder} />
    </label>
  );
  return (
    <form className="form-grid" onSubmit={form.submit} aria-label="New app">
      <h2>New app</h2>
      {field('name', 'Name', 'api')}
      {field('image', 'Image', 'ghcr.io/acme/api:1.4')}
      {field('replicas', 'Replicas', '1')}
      {field('port', 'Port', '8080')}
      {field('host', 'Host', 'api.acme.example')}
      <FormFooter problem={form.problem} error={form.error} saving={form.saving} saveLabel="Create app" onCancel={onDone} />
    </form>
  );
}
