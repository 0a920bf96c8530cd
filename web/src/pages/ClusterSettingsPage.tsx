import { useState, type FormEvent } from 'react';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { clusterPath, dashboardPath, deleteCluster, updateCluster } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { AuthzMode, Cluster, Dashboard, UpdateClusterRequest } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { ApplyYamlDialog } from '../components/ApplyYamlDialog';
import { Badge, ClusterStatusBadge } from '../components/Badge';
import { AuthzModeField, ConnectionErrorPanel, ConnectionFields } from '../components/ConnectionFields';
import { Dialog } from '../components/Dialog';
import { EnvironmentSelect } from '../components/EnvironmentSelect';
import { ErrorPanel } from '../components/ErrorPanel';
import { FluxErrorPanel, FormProblems } from '../components/FluxErrorPanel';
import { KeyValueEditor } from '../components/KeyValueEditor';
import { KubectlConsole } from '../components/KubectlConsole';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { clusterRoutes } from '../lib/clusterRoutes';
import { dashboardErrorHints, isNoConnection } from '../lib/dashboard';
import { hotSignalChips } from '../lib/fleet';
import { fluxRoutes } from '../lib/fluxRoutes';
import { stringRowsFromObject, stringRowsToObject } from '../lib/keyValue';
import { buildConnectionUpdate, connectionErrorHints, connectionFromConfig, emptyConnection, type ConnectionForm } from '../lib/registerCluster';
import { canEditFlux, isAdmin } from '../lib/roles';

const NODES = { group: '', version: 'v1', resource: 'nodes' };

/** One cluster: its metadata, its connection, its live dashboard, and delete. */
export function ClusterSettingsPage() {
  const { name = '' } = useParams();
  const cluster = useQuery(apiQuery<Cluster>(clusterPath(name)));
  const dashboard = useQuery(apiQuery<Dashboard>(dashboardPath(name)));
  const user = useCurrentUser();
  const admin = isAdmin(user.roles);
  const canEdit = canEditFlux(user.roles);
  const [connecting, setConnecting] = useState(false);
  const [applying, setApplying] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  return (
    <>
      <p className="breadcrumbs">
        <Link to={clusterRoutes.fleet}>Fleet</Link> / {name}
      </p>
      <h1>
        {cluster.data?.displayName && cluster.data.displayName !== name ? `${cluster.data.displayName} (${name})` : name}
      </h1>
      <p className="page-links">
        <Link to={clusterRoutes.resources(name)} className="button-link">
          Browse resources
        </Link>
        <Link to={fluxRoutes.editor(name)} className="button-link">
          Flux assignments
        </Link>
        <Link to={fluxRoutes.preview(name)} className="button-link">
          Flux inputs preview
        </Link>
        {canEdit ? (
          <button type="button" onClick={() => setApplying(true)}>
            Apply YAML
          </button>
        ) : null}
      </p>
      {applying ? <ApplyYamlDialog cluster={name} onClose={() => setApplying(false)} /> : null}
      {note ? (
        <p className="success-note" role="status" data-testid="saved">
          {note}
        </p>
      ) : null}
      {cluster.error ? <ErrorPanel error={cluster.error} title="Cannot load the cluster" onRetry={() => void cluster.refetch()} /> : null}
      {cluster.isLoading ? <Loading /> : null}
      {cluster.data ? (
        <div className="cards">
          <section className="panel" aria-labelledby="metadata-title">
            <h2 id="metadata-title">Metadata</h2>
            <MetadataForm
              key={cluster.data.updatedAt}
              cluster={cluster.data}
              readOnly={!canEdit}
              onSaved={(saved) => setNote(`Saved cluster ${saved.name}.`)}
            />
          </section>
          <section className="panel" aria-labelledby="connection-title" data-testid="connection">
            <h2 id="connection-title">Connection</h2>
            <dl className="facts">
              <dt>Source</dt>
              <dd>
                <Badge tone={cluster.data.source === 'metadata-only' ? 'neutral' : 'info'}>{cluster.data.source}</Badge>
              </dd>
              <dt>Server</dt>
              <dd>{cluster.data.server ? <code>{cluster.data.server}</code> : <span className="muted">none</span>}</dd>
              <dt>Authorization</dt>
              <dd>{cluster.data.authzMode}</dd>
              <dt>Updated</dt>
              <dd>
                <Time value={cluster.data.updatedAt} />
              </dd>
            </dl>
            {connectionFromConfig(cluster.data.source) ? (
              <p className="hint" data-testid="connection-from-config">
                This connection comes from the server's kubeconfig ({cluster.data.source}); change it there. The metadata stays
                editable here.
              </p>
            ) : admin ? (
              <>
                {cluster.data.source !== 'metadata-only' ? (
                  <AuthzModeForm
                    key={`${cluster.data.authzMode} ${cluster.data.updatedAt}`}
                    cluster={cluster.data}
                    onSaved={(saved) => setNote(`${saved.name} now uses the ${saved.authzMode} authorization mode.`)}
                  />
                ) : null}
                <div className="actions">
                  <button type="button" onClick={() => setConnecting(true)}>
                    {cluster.data.source === 'metadata-only' ? 'Add a connection' : 'Replace connection'}
                  </button>
                </div>
              </>
            ) : (
              <p className="hint">Only admins change a cluster's connection.</p>
            )}
          </section>
        </div>
      ) : null}
      <DashboardSection
        cluster={name}
        dashboard={dashboard}
        canConnect={admin && cluster.data !== undefined && !connectionFromConfig(cluster.data.source)}
        onConnect={() => setConnecting(true)}
      />
      {cluster.data && cluster.data.source !== 'metadata-only' ? <KubectlConsole key={name} cluster={name} /> : null}
      {admin && cluster.data ? <DeleteSection name={name} /> : null}
      {connecting && cluster.data ? (
        <ConnectionDialog
          cluster={cluster.data}
          onClose={() => setConnecting(false)}
          onSaved={(saved) => {
            setConnecting(false);
            setNote(`Stored the connection of ${saved.name}.`);
          }}
        />
      ) : null}
    </>
  );
}

function MetadataForm({ cluster, readOnly, onSaved }: { cluster: Cluster; readOnly: boolean; onSaved: (c: Cluster) => void }) {
  const [displayName, setDisplayName] = useState(cluster.displayName);
  const [dns, setDns] = useState(cluster.dns ?? '');
  const [environment, setEnvironment] = useState(cluster.environment);
  const [labels, setLabels] = useState(() => stringRowsFromObject(cluster.labels));
  const [problems, setProblems] = useState<string[]>([]);
  const save = useApiMutation((change: UpdateClusterRequest) => updateCluster(cluster.name, change), changes.cluster);

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = stringRowsToObject(labels);
    setProblems(parsed.errors.map((e) => `Labels: ${e}`));
    if (parsed.errors.length > 0) return;
    // Only what changed; absent fields stay as they are, dns null clears it.
    const change: UpdateClusterRequest = {};
    if (displayName.trim() !== cluster.displayName) change.displayName = displayName.trim();
    const newDns = dns.trim() === '' ? null : dns.trim();
    if (newDns !== (cluster.dns ?? null)) change.dns = newDns;
    if (environment !== cluster.environment) change.environment = environment;
    if (JSON.stringify(parsed.value) !== JSON.stringify(cluster.labels)) change.labels = parsed.value;
    if (Object.keys(change).length === 0) return;
    save.mutate(change, { onSuccess: onSaved });
  }

  return (
    <form onSubmit={submit} className="form-grid" aria-label="Cluster metadata">
      <label>
        Display name
        <input value={displayName} readOnly={readOnly} placeholder="same as name" onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <label>
        DNS
        <input value={dns} readOnly={readOnly} placeholder="demo-cluster-01.k8s.example.com" onChange={(e) => setDns(e.target.value)} />
      </label>
      <label>
        Environment
        {readOnly ? <input value={environment} readOnly /> : <EnvironmentSelect value={environment} onChange={setEnvironment} />}
      </label>
      <fieldset className="fieldset">
        <legend>Labels</legend>
        <KeyValueEditor name="Label" rows={labels} onChange={setLabels} readOnly={readOnly} keyPlaceholder="region" valuePlaceholder="eu-west-1" />
      </fieldset>
      {readOnly ? (
        <p className="hint">Read-only: operators and admins change cluster metadata.</p>
      ) : (
        <>
          <FormProblems problems={problems} />
          {save.error ? <FluxErrorPanel error={save.error} title="Cannot save the cluster" /> : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save metadata'}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

/** An admin switches how requests to the cluster are authorized, keeping its credentials. */
function AuthzModeForm({ cluster, onSaved }: { cluster: Cluster; onSaved: (c: Cluster) => void }) {
  const [mode, setMode] = useState<AuthzMode>(cluster.authzMode === 'impersonate' ? 'impersonate' : 'shared');
  const save = useApiMutation((authzMode: AuthzMode) => updateCluster(cluster.name, { authzMode }), changes.cluster);

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(mode, { onSuccess: onSaved });
  }

  return (
    <form onSubmit={submit} className="form-grid authz-form" aria-label="Authorization mode">
      <AuthzModeField value={mode} onChange={setMode} />
      {save.error ? (
        <ErrorPanel error={save.error} title="Cannot change the authorization mode">
          {connectionErrorHints(save.error).length > 0 ? (
            <ul className="error-hints">
              {connectionErrorHints(save.error).map((hint) => (
                <li key={hint}>{hint}</li>
              ))}
            </ul>
          ) : null}
        </ErrorPanel>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={save.isPending || mode === cluster.authzMode}>
          {save.isPending ? 'Saving…' : 'Change authorization mode'}
        </button>
      </div>
    </form>
  );
}

function ConnectionDialog({ cluster, onClose, onSaved }: { cluster: Cluster; onClose: () => void; onSaved: (c: Cluster) => void }) {
  const [form, setForm] = useState<ConnectionForm>(() => ({
    ...emptyConnection(),
    authzMode: cluster.authzMode === 'impersonate' ? 'impersonate' : 'shared',
  }));
  const [problems, setProblems] = useState<string[]>([]);
  const store = useApiMutation(
    ({ body, skipVerify }: { body: UpdateClusterRequest; skipVerify: boolean }) => updateCluster(cluster.name, body, skipVerify),
    changes.cluster,
  );
  const send = (body: UpdateClusterRequest, skipVerify: boolean) => store.mutate({ body, skipVerify }, { onSuccess: onSaved });

  function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildConnectionUpdate(form);
    setProblems(built.errors);
    if (built.errors.length > 0) return;
    send(built.value, false);
  }

  return (
    <Dialog title={`Connection of ${cluster.name}`} wide onClose={onClose}>
      <form onSubmit={submit} className="form-grid" aria-label="Connection">
        {cluster.server ? (
          <p className="hint">
            Replaces the stored connection to <code>{cluster.server}</code>.
          </p>
        ) : null}
        <ConnectionFields value={form} onChange={setForm} />
        <FormProblems problems={problems} />
        {store.error ? (
          <ConnectionErrorPanel
            error={store.error}
            title="Cannot store the connection"
            busy={store.isPending}
            // Resends exactly the body that failed.
            onStoreAnyway={() => {
              if (store.variables) send(store.variables.body, true);
            }}
          />
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={store.isPending}>
            {store.isPending ? 'Testing…' : 'Test and store'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DashboardSection({
  cluster,
  dashboard,
  canConnect,
  onConnect,
}: {
  cluster: string;
  dashboard: UseQueryResult<Dashboard>;
  canConnect: boolean;
  onConnect: () => void;
}) {
  const data = dashboard.error ? undefined : dashboard.data;
  const refresh = () => void dashboard.refetch();
  const chips = hotSignalChips(data?.summary.hotSignals);
  return (
    <section className="panel" aria-labelledby="dashboard-title" data-testid="dashboard">
      <div className="table-toolbar">
        <h2 id="dashboard-title">
          Dashboard {data ? <ClusterStatusBadge status={data.status} /> : null} {dashboard.isFetching ? <Loading label="" /> : null}
        </h2>
        <span className="spacer" />
        <button type="button" onClick={refresh} disabled={dashboard.isFetching}>
          Refresh
        </button>
      </div>
      {isNoConnection(dashboard.error) ? (
        <div className="notice" data-testid="no-connection">
          <p>
            <strong>No connection yet.</strong> Fleetdeck only knows this cluster's metadata, so it cannot show its nodes and pods.
          </p>
          {canConnect ? (
            <button type="button" className="primary" onClick={onConnect}>
              Add a connection
            </button>
          ) : (
            <p className="hint">An admin can add one.</p>
          )}
        </div>
      ) : dashboard.error ? (
        <ErrorPanel error={dashboard.error} title="Cannot reach the cluster" onRetry={refresh}>
          {dashboardErrorHints(dashboard.error).length > 0 ? (
            <ul className="error-hints" data-testid="error-hints">
              {dashboardErrorHints(dashboard.error).map((hint) => (
                <li key={hint}>{hint}</li>
              ))}
            </ul>
          ) : null}
        </ErrorPanel>
      ) : null}
      {data ? (
        <>
          <dl className="facts" data-testid="dashboard-summary">
            <dt>Kubernetes</dt>
            <dd>
              <code>{data.kubernetesVersion}</code>
            </dd>
            <dt>Nodes</dt>
            <dd>
              {data.summary.nodes.ready}/{data.summary.nodes.total} ready
            </dd>
            <dt>Pods</dt>
            <dd>
              {data.summary.pods.running} running · {data.summary.pods.pending} pending · {data.summary.pods.failed} failed (of{' '}
              {data.summary.pods.total})
            </dd>
            <dt>Stuck or failed</dt>
            <dd>{data.summary.stuckOrFailed}</dd>
            <dt>Namespaces</dt>
            <dd>{data.summary.namespaces}</dd>
            {chips.length > 0 ? (
              <>
                <dt>Hot signals</dt>
                <dd>
                  {chips.map((chip) => (
                    <span key={chip.key} className={`signal-chip signal-${chip.tone}`}>
                      {chip.count} {chip.label}
                    </span>
                  ))}
                </dd>
              </>
            ) : null}
          </dl>
          <div className="table-scroll">
            <table className="table" data-testid="node-table">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Ready</th>
                  <th>Roles</th>
                  <th>Kubelet</th>
                </tr>
              </thead>
              <tbody>
                {data.nodes.map((node) => (
                  <tr key={node.name}>
                    <td>
                      <Link to={clusterRoutes.detail(cluster, NODES, null, node.name)}>{node.name}</Link>
                    </td>
                    <td>{node.ready ? <Badge tone="good">Ready</Badge> : <Badge tone="bad">NotReady</Badge>}</td>
                    <td>{node.roles.length > 0 ? node.roles.join(', ') : <span className="muted">—</span>}</td>
                    <td>
                      <code>{node.kubeletVersion}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

function DeleteSection({ name }: { name: string }) {
  const navigate = useNavigate();
  const remove = useApiMutation(deleteCluster, changes.cluster);

  function confirmRemove() {
    if (!window.confirm(`Delete cluster "${name}", its connection and its Flux assignments?`)) return;
    remove.mutate(name, { onSuccess: () => void navigate(clusterRoutes.fleet) });
  }

  return (
    <section className="panel danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete</h2>
      <p className="hint">Removes the cluster, its stored connection and its Flux assignments. Flux then gets no inputs for it.</p>
      {remove.error ? <ErrorPanel error={remove.error} title={`Cannot delete ${name}`} /> : null}
      <div className="actions">
        <button type="button" className="danger" onClick={confirmRemove} disabled={remove.isPending}>
          {remove.isPending ? 'Deleting…' : 'Delete cluster'}
        </button>
      </div>
    </section>
  );
}
