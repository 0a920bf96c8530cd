import { DnsLabelField } from './DnsLabelField';
import { EnvironmentSelect } from './EnvironmentSelect';

interface NameFields {
  name: string;
  displayName: string;
  environment: string;
}

/** The name, display name and environment of a cluster to be registered (register and join dialogs). */
export function ClusterNameFields<F extends NameFields>({ form, set }: { form: F; set: <K extends keyof NameFields>(key: K, value: string) => void }) {
  return (
    <>
      <DnsLabelField label="Name" value={form.name} placeholder="demo-cluster-01" onChange={(v) => set('name', v)} />
      <label>
        Display name
        <input value={form.displayName} placeholder="same as name" onChange={(e) => set('displayName', e.target.value)} />
      </label>
      <label>
        Environment
        <EnvironmentSelect value={form.environment} onChange={(env) => set('environment', env)} />
      </label>
    </>
  );
}
