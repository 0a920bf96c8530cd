import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { createCluster, deleteCluster, paths, updateCluster } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { Cluster, ClusterList, CreateClusterRequest, UpdateClusterRequest } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge } from '../components/Badge';
import { Dialog } from '../components/Dialog';
import { EnvironmentSelect } from '../components/EnvironmentSelect';
import { FluxErrorPanel, FormProblems } from '../components/FluxErrorPanel';
import { KeyValueEditor } from '../components/KeyValueEditor';
import { LabelChips } from '../components/LabelChips';
import { Loading } from '../components/Loading';
import { RegisterClusterDialog } from '../components/RegisterClusterDialog';
import { useApiMutation } from '../hooks/useApiMutation';
import { clusterRoutes } from '../lib/clusterRoutes';
import { DnsLabelField } from '../components/DnsLabelField';
import { fluxRoutes } from '../lib/fluxRoutes';
import { stringRowsFromObject, stringRowsToObject } from '../lib/keyValue';
import { canEditFlux, isAdmin } from '../lib/roles';

type Editing = { mode: 'create' } | { mode: 'edit'; cluster: Cluster };

export function FluxClustersPage() {
  const clusters = useQuery(apiQuery<ClusterList>(paths.clusters));
  const user = useCurrentUser();
  const admin = isAdmin(user.roles);
  const canEdit = canEditFlux(user.roles);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [registering, setRegistering] = useState(false);

  return (
    <>
      <h1>Clusters</h1>
      <p className="muted">
        The fleet's clusters. Flux Operator on a cluster asks for its inputs by the cluster's dns; open a cluster to choose
        its components, namespaces and role bindings.
      </p>
      {note ? (
        <p className="success-note" role="status" data-testid="saved">
          {note}
        </p>
      ) : null}
      <section className="panel">
        <div className="table-toolbar">
          <h2>
            {clusters.data ? `${clusters.data.items.length} ${clusters.data.items.length === 1 ? 'cluster' : 'clusters'}` : 'Clusters'}{' '}
            {clusters.isFetching ? <Loading label="" /> : null}
          </h2>
          <span className="spacer" />
          {admin ? (
            <>
              <button type="button" onClick={() => setEditing({ mode: 'create' })} title="Metadata only: Flux inputs, no connection">
                New cluster
              </button>
              <button type="button" className="primary" onClick={() => setRegistering(true)}>
                Register cluster
              </button>
            </>
          ) : null}
        </div>
        {clusters.error ? <FluxErrorPanel error={clusters.error} onRetry={() => void clusters.refetch()} /> : null}
        {clusters.data ? (
          clusters.data.items.length === 0 ? (
            <p className="muted">No clusters yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Display name</th>
                    <th>DNS</th>
                    <th>Environment</th>
                    <th>Labels</th>
                    <th>Source</th>
                    <th aria-label="Actions" />
                  </tr>
                </thead>
                <tbody>
                  {clusters.data.items.map((cluster) => (
                    <ClusterRow
                      key={cluster.name}
                      cluster={cluster}
                      canEdit={canEdit}
                      canDelete={admin}
                      onEdit={() => setEditing({ mode: 'edit', cluster })}
                      onDeleted={() => setNote(`Deleted cluster ${cluster.name}.`)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )
        ) : null}
      </section>
      {registering ? (
        <RegisterClusterDialog
          onClose={() => setRegistering(false)}
          onRegistered={(saved) => {
            setRegistering(false);
            setNote(`Registered cluster ${saved.name}.`);
          }}
        />
      ) : null}
      {editing ? (
        <Dialog title={editing.mode === 'create' ? 'New cluster' : `Edit cluster ${editing.cluster.name}`} wide onClose={() => setEditing(null)}>
          <ClusterForm
            cluster={editing.mode === 'edit' ? editing.cluster : null}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setNote(`${editing.mode === 'create' ? 'Created' : 'Saved'} cluster ${saved.name}.`);
              setEditing(null);
            }}
          />
        </Dialog>
      ) : null}
    </>
  );
}

function ClusterRow({
  cluster,
  canEdit,
  canDelete,
  onEdit,
  onDeleted,
}: {
  cluster: Cluster;
  canEdit: boolean;
  canDelete: boolean;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const remove = useApiMutation(deleteCluster, changes.cluster);
  const busy = remove.isPending;

  function confirmRemove() {
    if (!window.confirm(`Delete cluster "${cluster.name}" and its Flux assignments?`)) return;
    remove.mutate(cluster.name, { onSuccess: onDeleted });
  }

  return (
    <>
      <tr data-testid="cluster-row" data-name={cluster.name}>
        <td>
          <Link to={fluxRoutes.editor(cluster.name)}>{cluster.name}</Link>
        </td>
        <td>{cluster.displayName || <span className="muted">—</span>}</td>
        <td>{cluster.dns ? <code>{cluster.dns}</code> : <span className="muted">none</span>}</td>
        <td>{cluster.environment ? <Badge tone={cluster.environment === 'prod' ? 'warn' : 'neutral'}>{cluster.environment}</Badge> : null}</td>
        <td>
          <LabelChips labels={cluster.labels} />
        </td>
        <td>
          <Badge tone={cluster.source === 'metadata-only' ? 'neutral' : 'info'}>{cluster.source}</Badge>
        </td>
        <td className="row-actions">
          <Link to={clusterRoutes.settings(cluster.name)} className="button-link">
            Settings
          </Link>
          <Link to={fluxRoutes.editor(cluster.name)} className="button-link">
            Assignments
          </Link>
          <Link to={fluxRoutes.preview(cluster.name)} className="button-link">
            Preview
          </Link>
          {canEdit ? (
            <button type="button" onClick={onEdit} disabled={busy}>
              Edit
            </button>
          ) : null}
          {canDelete ? (
            <button type="button" className="danger" onClick={confirmRemove} disabled={busy}>
              Delete
            </button>
          ) : null}
        </td>
      </tr>
      {remove.error ? (
        <tr className="row-error">
          <td colSpan={7}>
            <FluxErrorPanel error={remove.error} title={`Cannot delete ${cluster.name}`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function ClusterForm({ cluster, onCancel, onSaved }: { cluster: Cluster | null; onCancel: () => void; onSaved: (c: Cluster) => void }) {
  const [name, setName] = useState(cluster?.name ?? '');
  const [displayName, setDisplayName] = useState(cluster?.displayName ?? '');
  const [dns, setDns] = useState(cluster?.dns ?? '');
  const [environment, setEnvironment] = useState(cluster?.environment ?? '');
  const [labels, setLabels] = useState(() => stringRowsFromObject(cluster?.labels));
  const [problems, setProblems] = useState<string[]>([]);
  // Creates, or with a name, saves what changed.
  const save = useApiMutation(
    (write: { create: CreateClusterRequest } | { name: string; change: UpdateClusterRequest }) =>
      'create' in write ? createCluster(write.create) : updateCluster(write.name, write.change),
    changes.cluster,
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = stringRowsToObject(labels);
    const found = parsed.errors.map((e) => `Labels: ${e}`);
    if (environment === '') found.push('Choose an environment.');
    setProblems(found);
    if (found.length > 0) return;

    if (cluster === null) {
      const create = {
        name: name.trim(),
        displayName: displayName.trim() || undefined,
        dns: dns.trim() || undefined,
        environment,
        labels: parsed.value,
      };
      save.mutate({ create }, { onSuccess: onSaved });
    } else {
      // Only what changed; absent fields stay as they are, dns null clears it.
      const change: UpdateClusterRequest = {};
      if (displayName.trim() !== cluster.displayName) change.displayName = displayName.trim();
      const newDns = dns.trim() === '' ? null : dns.trim();
      if (newDns !== (cluster.dns ?? null)) change.dns = newDns;
      if (environment !== cluster.environment) change.environment = environment;
      if (JSON.stringify(parsed.value) !== JSON.stringify(cluster.labels)) change.labels = parsed.value;
      if (Object.keys(change).length === 0) onSaved(cluster);
      else save.mutate({ name: cluster.name, change }, { onSuccess: onSaved });
    }
  }

  return (
    <form onSubmit={submit} className="form-grid" aria-label="Cluster">
      <div className="form-cols">
        <DnsLabelField label="Name" value={name} disabled={cluster !== null} placeholder="demo-cluster-01" onChange={setName} />
        <label>
          Display name
          <input value={displayName} placeholder="same as name" onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <label>
          DNS
          <input value={dns} placeholder="demo-cluster-01.k8s.example.com" onChange={(e) => setDns(e.target.value)} />
        </label>
        <label>
          Environment
          <EnvironmentSelect value={environment} onChange={setEnvironment} />
        </label>
      </div>
      <p className="hint">Without a dns, Flux Operator cannot fetch this cluster's inputs. Leave it blank to clear it.</p>
      <fieldset className="fieldset">
        <legend>Labels</legend>
        <KeyValueEditor name="Label" rows={labels} onChange={setLabels} keyPlaceholder="region" valuePlaceholder="eu-west-1" />
      </fieldset>
      <FormProblems problems={problems} />
      {save.error ? <FluxErrorPanel error={save.error} title={cluster === null ? 'Cannot create the cluster' : 'Cannot save the cluster'} /> : null}
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : cluster === null ? 'Create cluster' : 'Save'}
        </button>
      </div>
    </form>
  );
}
