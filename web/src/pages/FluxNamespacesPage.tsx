import { useState, type FormEvent } from 'react';
import { fluxNamespaces, paths } from '../api/endpoints';
import type { FluxNamespace } from '../api/types';
import { CatalogFormFooter, CatalogPage, type CatalogColumn, type CatalogFormProps } from '../components/CatalogPage';
import { KeyValueEditor } from '../components/KeyValueEditor';
import { LabelChips } from '../components/LabelChips';
import { DnsLabelField } from '../components/DnsLabelField';
import { stringRowsFromObject, stringRowsToObject } from '../lib/keyValue';

const columns: CatalogColumn<FluxNamespace>[] = [
  { header: 'Id', cell: (n) => <code>{n.id}</code> },
  { header: 'Labels', cell: (n) => <LabelChips labels={n.labels} /> },
  { header: 'Annotations', cell: (n) => <LabelChips labels={n.annotations} /> },
];

export function FluxNamespacesPage() {
  return (
    <CatalogPage
      title="Namespaces"
      intro="Namespaces Flux creates on the clusters they are assigned to, with their labels and annotations."
      noun="namespace"
      listPath={paths.fluxNamespaces}
      endpoints={fluxNamespaces}
      columns={columns}
      Form={NamespaceForm}
      wideForm
    />
  );
}

function NamespaceForm({ initial, busy, error, onSubmit, onCancel }: CatalogFormProps<FluxNamespace>) {
  const [id, setId] = useState(initial?.id ?? '');
  const [labels, setLabels] = useState(() => stringRowsFromObject(initial?.labels));
  const [annotations, setAnnotations] = useState(() => stringRowsFromObject(initial?.annotations));
  const [problems, setProblems] = useState<string[]>([]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const l = stringRowsToObject(labels);
    const a = stringRowsToObject(annotations);
    const found = [...l.errors.map((e) => `Labels: ${e}`), ...a.errors.map((e) => `Annotations: ${e}`)];
    setProblems(found);
    if (found.length > 0) return;
    onSubmit({ id: initial?.id ?? id.trim(), labels: l.value, annotations: a.value });
  }

  return (
    <form onSubmit={submit} className="form-grid" aria-label="Namespace">
      <DnsLabelField label="Id (the namespace's name)" value={id} disabled={initial !== null} placeholder="team-a" onChange={setId} />
      <fieldset className="fieldset">
        <legend>Labels</legend>
        <KeyValueEditor name="Label" rows={labels} onChange={setLabels} keyPlaceholder="app.kubernetes.io/part-of" />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Annotations</legend>
        <KeyValueEditor name="Annotation" rows={annotations} onChange={setAnnotations} />
      </fieldset>
      <CatalogFormFooter problems={problems} error={error} busy={busy} creating={initial === null} onCancel={onCancel} />
    </form>
  );
}
