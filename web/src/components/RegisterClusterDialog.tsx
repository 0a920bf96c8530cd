import { useState, type FormEvent } from 'react';
import { createCluster } from '../api/endpoints';
import { changes } from '../api/queries';
import type { Cluster, CreateClusterRequest } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { buildRegisterBody, emptyRegisterForm, type RegisterForm } from '../lib/registerCluster';
import { ClusterNameFields } from './ClusterNameFields';
import { ConnectionErrorPanel, ConnectionFields } from './ConnectionFields';
import { Dialog } from './Dialog';
import { FormProblems } from './FluxErrorPanel';
import { KeyValueEditor } from './KeyValueEditor';

/** Registers a cluster with its connection (admin): a kubeconfig, or a server URL and a token. */
export function RegisterClusterDialog({ onClose, onRegistered }: { onClose: () => void; onRegistered: (cluster: Cluster) => void }) {
  const [form, setForm] = useState<RegisterForm>(emptyRegisterForm);
  const [problems, setProblems] = useState<string[]>([]);
  const register = useApiMutation(
    ({ body, skipVerify }: { body: CreateClusterRequest; skipVerify: boolean }) => createCluster(body, skipVerify),
    changes.cluster,
  );
  const set = <K extends keyof RegisterForm>(key: K, v: RegisterForm[K]) => setForm((f) => ({ ...f, [key]: v }));

  const send = (body: CreateClusterRequest, skipVerify: boolean) => register.mutate({ body, skipVerify }, { onSuccess: onRegistered });

  function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildRegisterBody(form);
    setProblems(built.errors);
    if (built.errors.length > 0) return;
    send(built.value, false);
  }

  return (
    <Dialog title="Register cluster" wide onClose={onClose}>
      <form onSubmit={submit} className="form-grid" aria-label="Register cluster">
        <div className="form-cols">
          <ClusterNameFields form={form} set={set} />
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
        {register.error ? (
          <ConnectionErrorPanel
            error={register.error}
            title="Cannot register the cluster"
            busy={register.isPending}
            // Resends exactly the body that failed.
            onStoreAnyway={() => {
              if (register.variables) send(register.variables.body, true);
            }}
          />
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={register.isPending}>
            {register.isPending ? 'Registering…' : 'Register'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
