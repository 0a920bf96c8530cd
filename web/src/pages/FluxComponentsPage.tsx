import { useState, type FormEvent } from 'react';
import { paths, platformComponents } from '../api/endpoints';
import type { PlatformComponent } from '../api/types';
import { Badge } from '../components/Badge';
import { CatalogFormFooter, CatalogPage, type CatalogColumn, type CatalogFormProps } from '../components/CatalogPage';
import { IdChips } from '../components/LabelChips';
import { toggleInList } from '../lib/assignments';
import { DnsLabelField } from '../components/DnsLabelField';

const columns: CatalogColumn<PlatformComponent>[] = [
  { header: 'Id', cell: (c) => <code>{c.id}</code> },
  { header: 'Path', cell: (c) => c.component_path },
  { header: 'Version', cell: (c) => c.component_version ?? 'latest' },
  {
    header: 'Env path',
    cell: (c) => (c.cluster_env_enabled ? <Badge tone="info">{'+ /<env>'}</Badge> : <span className="muted">no</span>),
  },
  {
    header: 'Source',
    cell: (c) => (
      <span className="source-cell">
        <code>{c.oci_url}</code> {c.oci_tag ? <Badge>{c.oci_tag}</Badge> : null}
      </span>
    ),
  },
  { header: 'Depends on', cell: (c) => <IdChips ids={c.depends_on ?? []} /> },
  { header: 'Description', cell: (c) => c.description || <span className="muted">—</span> },
];

export function FluxComponentsPage() {
  return (
    <CatalogPage
      title="Platform components"
      intro="The catalog of Helm charts and OCI artifacts Flux can install; clusters pick from it and may override the tag and path."
      noun="component"
      listPath={paths.fluxComponents}
      endpoints={platformComponents}
      columns={columns}
      Form={ComponentForm}
      wideForm
    />
  );
}

function ComponentForm({ initial, items, busy, error, onSubmit, onCancel }: CatalogFormProps<PlatformComponent>) {
  const [id, setId] = useState(initial?.id ?? '');
  const [componentPath, setComponentPath] = useState(initial?.component_path ?? '');
  const [componentVersion, setComponentVersion] = useState(initial?.component_version ?? 'latest');
  const [clusterEnvEnabled, setClusterEnvEnabled] = useState(initial?.cluster_env_enabled ?? false);
  const [ociUrl, setOciUrl] = useState(initial?.oci_url ?? '');
  const [ociTag, setOciTag] = useState(initial?.oci_tag ?? 'latest');
  const [dependsOn, setDependsOn] = useState<string[]>(initial?.depends_on ?? []);
  const [description, setDescription] = useState(initial?.description ?? '');

  const self = initial?.id ?? id.trim();
  // Other components, plus any dependency the catalog no longer has (so it can be unticked).
  const choices = [...new Set([...items.map((c) => c.id), ...dependsOn])].filter((c) => c !== self).sort();

  function submit(event: FormEvent) {
    event.preventDefault();
    onSubmit({
      id: initial?.id ?? id.trim(),
      component_path: componentPath.trim(),
      component_version: componentVersion.trim(),
      cluster_env_enabled: clusterEnvEnabled,
      oci_url: ociUrl.trim(),
      oci_tag: ociTag.trim(),
      depends_on: dependsOn.filter((d) => d !== self),
      description: description.trim(),
    });
  }

  return (
    <form onSubmit={submit} className="form-grid" aria-label="Component">
      <div className="form-cols">
        <DnsLabelField label="Id" value={id} disabled={initial !== null} placeholder="cert-manager" onChange={setId} />
        <label>
          Component path
          <input required value={componentPath} placeholder="cert-manager" onChange={(e) => setComponentPath(e.target.value)} />
        </label>
        <label>
          Component version
          <input required value={componentVersion} onChange={(e) => setComponentVersion(e.target.value)} />
        </label>
        <label>
          OCI URL
          <input required value={ociUrl} placeholder="oci://ghcr.io/org/charts" onChange={(e) => setOciUrl(e.target.value)} />
        </label>
        <label>
          OCI tag
          <input required value={ociTag} onChange={(e) => setOciTag(e.target.value)} />
        </label>
        <label className="checkbox-label">
          <input type="checkbox" checked={clusterEnvEnabled} onChange={(e) => setClusterEnvEnabled(e.target.checked)} />
          Append the cluster's environment to the path (cluster_env_enabled)
        </label>
      </div>
      <fieldset className="fieldset">
        <legend>Depends on</legend>
        {choices.length === 0 ? (
          <span className="muted">No other components.</span>
        ) : (
          <div className="checklist" role="group" aria-label="Depends on">
            {choices.map((choice) => (
              <label key={choice} className="checkbox-label">
                <input
                  type="checkbox"
                  checked={dependsOn.includes(choice)}
                  onChange={(e) => setDependsOn(toggleInList(dependsOn, choice, e.target.checked))}
                />
                {choice}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <label>
        Description
        <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <CatalogFormFooter problems={[]} error={error} busy={busy} creating={initial === null} onCancel={onCancel} />
    </form>
  );
}
