import { useState, type FormEvent } from 'react';
import { createCluster } from '../api/endpoints';
import type { Cluster, CreateClusterRequest } from '../api/types';
import { useAction } from '../hooks/useApi';
import { DnsLabelField } from './DnsLabelField';
import { buildRegisterBody, emptyRegisterForm, type RegisterForm } from '../lib/registerCluster';
import { ConnectionErrorPanel, ConnectionFields } from './ConnectionFields';
import { Dialog } from './Dialog';
import { EnvironmentSelect } from './EnvironmentSelect';
import { FormProblems } from './FluxErrorPanel';
import { KeyValueEditor } from './KeyValueEditor';

/** Registers a cluster with its connection (admin): a kubeconfig, or a server URL and a token. */
export function RegisterClusterDialog({ onClose, onRegistered }: { onClose: () => void; onRegistered: (cluster: Cluster) => void }) {
  const [form, setForm] = useState<RegisterForm>(emptyRegisterForm);
  const [problems, setProblems] = useState<string[]>([]);
  // The body last sent, so "Store anyway" resends exactly it.
  const [sent, setSent] = useState<CreateClusterRequest | null>(null);
  const { busy, error, run } = useAction();
  const set = <K extends keyof RegisterForm>(key: K, v: RegisterForm[K]) => setForm((f) => ({ ...f, [key]: v }));

  async function send(body: CreateClusterRequest, skipVerify: boolean) {
    setSent(body);
    const saved = await run(() => createCluster(body, skipVerify));
    if (saved) onRegistered(saved);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildRegisterBody(form);
    setProblems(built.errors);
    if (built.errors.length > 0) return;
    await send(built.value, false);
  }

  return (
    <Dialog title="Register cluster" wide onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} className="form-grid" aria-label="Register cluster">
        <div className="form-cols">
          <DnsLabelField label="Name" value={form.name} placeholder="demo-cluster-01" onChange={(v) => set('name', v)} />
          <label>
            Display name
            <input value={form.displayName} placeholder="same as name" onChange={(e) => set('displayName', e.target.value)} />
          </label>
          <label>
            Environment
            <EnvironmentSelect value={form.environment} onChange={(env) => set('environment', env)} />
          </label>
          <label>
            DNS
            <input value={form.dns} placeholder="demo-cluster-01.k8s.example.com" onChange={(e) => set('dns', e.target.value)} />
          </label>
        </div>
        <fieldset className="fieldset">
          <legend>Labels</legend>
          <KeyValueEditor name="Label" rows={form.labels} onChange={(rows) => set('labels', rows)} keyPlaceholder="region" valuePlaceholder="eu-west-1" />
        </fieldset>
        <ConnectionFields value={form} onChange={(connection) => setForm((f) => ({ ...f, ...connection }))} />
        <FormProblems problems={problems} />
        {error ? (
          <ConnectionErrorPanel
            error={error}
            title="Cannot register the cluster"
            busy={busy}
            onStoreAnyway={() => {
              if (sent) void send(sent, true);
            }}
          />
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Registering…' : 'Register'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
