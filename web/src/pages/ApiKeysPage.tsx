import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { createApiKey, paths, revokeApiKey } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { ApiKey, ApiKeyList, CreatedApiKey, Role } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { RoleBadge } from '../components/Badge';
import { CopyButton } from '../components/CopyButton';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { assignableRoles } from '../lib/roles';
import { expiresAtAfterDays } from '../lib/time';

const EXPIRY_CHOICES = [
  { label: 'Never', days: null },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '365 days', days: 365 },
] as const;

export function ApiKeysPage() {
  const keys = useQuery(apiQuery<ApiKeyList>(paths.apiKeys));
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const revoke = useApiMutation(revokeApiKey, changes.apiKeys);

  function revokeKey(key: ApiKey) {
    if (!window.confirm(`Revoke API key "${key.name}" (${key.prefix}…)? Clients using it stop working at once.`)) return;
    revoke.mutate(key, {
      onSuccess: () => {
        if (created?.id === key.id) setCreated(null);
      },
    });
  }

  return (
    <>
      <h1>API keys</h1>
      <p className="muted">Keys let scripts and CI call the API as you, with a role no higher than yours.</p>

      {created ? <NewSecretPanel apiKey={created} onDismiss={() => setCreated(null)} /> : null}

      <CreateApiKeyForm onCreated={setCreated} />

      <section className="panel">
        <h2>
          Your keys {keys.isFetching ? <Loading label="" /> : null}
        </h2>
        {keys.error ? <ErrorPanel error={keys.error} onRetry={() => void keys.refetch()} /> : null}
        {revoke.error ? <ErrorPanel error={revoke.error} title="Revoke failed" /> : null}
        {keys.data ? (
          keys.data.items.length === 0 ? (
            <p className="muted">No API keys yet.</p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Prefix</th>
                  <th>Role</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th>Expires</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {keys.data.items.map((key) => (
                  <tr key={key.id} data-testid="api-key-row">
                    <td>{key.name}</td>
                    <td>
                      <code>{key.prefix}…</code>
                    </td>
                    <td>
                      <RoleBadge role={key.role} />
                    </td>
                    <td>
                      <Time value={key.createdAt} />
                    </td>
                    <td>{key.lastUsedAt ? <Time value={key.lastUsedAt} /> : <span className="muted">never</span>}</td>
                    <td>{key.expiresAt ? <Time value={key.expiresAt} /> : <span className="muted">never</span>}</td>
                    <td className="row-actions">
                      <button type="button" className="danger" disabled={revoke.isPending} onClick={() => revokeKey(key)}>
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
      </section>
    </>
  );
}

function CreateApiKeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const user = useCurrentUser();
  const roles = assignableRoles(user.roles);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(roles[0] ?? 'viewer');
  const [expiryDays, setExpiryDays] = useState<string>('90');
  const create = useApiMutation(createApiKey, changes.apiKeys);

  function submit(event: FormEvent) {
    event.preventDefault();
    const days = expiryDays === '' ? null : Number(expiryDays);
    create.mutate(
      { name: name.trim(), role, expiresAt: expiresAtAfterDays(days) },
      {
        onSuccess: (key) => {
          setName('');
          onCreated(key);
        },
      },
    );
  }

  return (
    <section className="panel">
      <h2>Create a key</h2>
      <form onSubmit={submit} className="form-row" aria-label="Create API key">
        <label>
          Name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-deployer" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires
          <select value={expiryDays} onChange={(e) => setExpiryDays(e.target.value)}>
            {EXPIRY_CHOICES.map((choice) => (
              <option key={choice.label} value={choice.days ?? ''}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending || roles.length === 0}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </form>
      {create.error ? <ErrorPanel error={create.error} title="Cannot create the key" /> : null}
    </section>
  );
}

/** The new key's secret, shown once: the server keeps only a hash. */
function NewSecretPanel({ apiKey, onDismiss }: { apiKey: CreatedApiKey; onDismiss: () => void }) {
  return (
    <section className="panel secret-panel" data-testid="api-key-secret" aria-labelledby="secret-title">
      <h2 id="secret-title">New key “{apiKey.name}”</h2>
      <p className="warning">Copy this secret now. It will not be shown again.</p>
      <div className="secret-row">
        <input
          readOnly
          className="secret"
          aria-label="API key secret"
          value={apiKey.secret}
          onFocus={(e) => e.target.select()}
        />
        <CopyButton text={apiKey.secret} />
        <button type="button" onClick={onDismiss}>
          Done
        </button>
      </div>
      <p className="hint">
        Send it as <code>Authorization: Bearer &lt;secret&gt;</code>.
      </p>
    </section>
  );
}
