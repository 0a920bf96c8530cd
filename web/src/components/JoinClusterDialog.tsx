import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { createJoinToken, joinTokensPath, revokeJoinToken } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { AuthzMode, CreatedJoinToken, JoinTokenList } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { buildJoinTokenBody, canRevoke, emptyJoinForm, tokenHistory, TOKEN_STATE_TONES, type JoinForm } from '../lib/joinTokens';
import { AUTHZ_MODE_HINTS } from '../lib/registerCluster';
import { Badge } from './Badge';
import { ClusterNameFields } from './ClusterNameFields';
import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';
import { ErrorPanel } from './ErrorPanel';
import { FormProblems } from './FluxErrorPanel';
import { KeyValueEditor } from './KeyValueEditor';

/**
 * Joins a cluster Fleetdeck cannot reach yet (admin): creates a single-use join token and shows,
 * once, the command to run against the cluster; lists the name's tokens and revokes them.
 */
export function JoinClusterDialog({ onClose }: { onClose: () => void }) {
  const [form, setForm] = useState<JoinForm>(emptyJoinForm);
  const [problems, setProblems] = useState<string[]>([]);
  const [created, setCreated] = useState<CreatedJoinToken | null>(null);
  const name = form.name.trim();
  const tokensPath = joinTokensPath(name);
  const tokens = useQuery({ ...apiQuery<JoinTokenList>(tokensPath), enabled: name !== '' });
  const create = useApiMutation((body: Parameters<typeof createJoinToken>[1]) => createJoinToken(name, body), [tokensPath]);
  const revoke = useApiMutation((id: string) => revokeJoinToken(id), [tokensPath]);
  const set = <K extends keyof JoinForm>(key: K, v: JoinForm[K]) => setForm((f) => ({ ...f, [key]: v }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildJoinTokenBody(form);
    setProblems(built.errors);
    if (built.errors.length > 0) return;
    create.mutate(built.value, { onSuccess: setCreated });
  }

  return (
    <Dialog title="Join a cluster" wide onClose={onClose}>
      {created ? (
        <section className="panel secret-panel" data-testid="join-command" aria-labelledby="join-command-title">
          <h2 id="join-command-title">Run this against “{created.token.cluster}”</h2>
          <p className="warning">Copy the command now. It will not be shown again, and it works once, until {created.token.expiresAt}.</p>
          <div className="secret-row">
            <input readOnly className="secret" aria-label="Join command" value={created.command} onFocus={(e) => e.target.select()} />
            <CopyButton text={created.command} />
            <button type="button" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
          <p className="hint">
            With a kubeconfig of the cluster: it creates the <code>fleetdeck-agent</code> namespace, a read-only agent that may impersonate, and a Job that registers the cluster here.
          </p>
        </section>
      ) : (
        <form onSubmit={submit} className="form-grid" aria-label="Join a cluster">
          <div className="form-cols">
            <ClusterNameFields form={form} set={set} />
            <label>
              Apiserver URL
              <input value={form.server} placeholder="https://edge-cluster-01.example.com:6443" onChange={(e) => set('server', e.target.value)} />
            </label>
            <label>
              Access
              <select value={form.authzMode} onChange={(e) => set('authzMode', e.target.value as AuthzMode)} title={AUTHZ_MODE_HINTS[form.authzMode]}>
                <option value="shared">shared</option>
                <option value="impersonate">impersonate</option>
              </select>
            </label>
            <label>
              Token lifetime (minutes)
              <input inputMode="numeric" value={form.ttlMinutes} onChange={(e) => set('ttlMinutes', e.target.value)} />
            </label>
          </div>
          <fieldset className="fieldset">
            <legend>Labels</legend>
            <KeyValueEditor name="Label" rows={form.labels} onChange={(rows) => set('labels', rows)} keyPlaceholder="region" valuePlaceholder="eu-west-1" />
          </fieldset>
          <FormProblems problems={problems} />
          {create.error ? <ErrorPanel error={create.error} title="Cannot create the join token" /> : null}
          <div className="actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
            <button type="submit" className="primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create join command'}
            </button>
          </div>
        </form>
      )}
      {name !== '' && tokens.data && tokens.data.items.length > 0 ? (
        <section className="panel" data-testid="join-tokens" aria-label={`Join tokens for ${name}`}>
          <h2>Join tokens for {name}</h2>
          {revoke.error ? <ErrorPanel error={revoke.error} title="Cannot revoke the token" /> : null}
          <ul className="plain-list">
            {tokens.data.items.map((t) => (
              <li key={t.id} data-testid="join-token" data-state={t.state}>
                <Badge tone={TOKEN_STATE_TONES[t.state]}>{t.state}</Badge> <code>{t.id.slice(0, 8)}</code> by {t.createdBy}, {tokenHistory(t)}{' '}
                {canRevoke(t) ? (
                  <button type="button" onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending}>
                    Revoke
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Dialog>
  );
}
