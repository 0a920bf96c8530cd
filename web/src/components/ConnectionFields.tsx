import { useId, type ChangeEvent } from 'react';
import type { ApiError } from '../api/client';
import type { AuthzMode } from '../api/types';
import { AUTHZ_MODE_HINTS, connectionErrorHints, connectionFailure, type ConnectionForm, type ConnectionMode } from '../lib/registerCluster';
import { ErrorPanel } from './ErrorPanel';

const MODES: { mode: ConnectionMode; label: string }[] = [
  { mode: 'kubeconfig', label: 'Paste kubeconfig' },
  { mode: 'token', label: 'Server and token' },
];

/** How Fleetdeck reaches a cluster: a kubeconfig or a server URL and token (tabs), and the authz mode. */
export function ConnectionFields({ value, onChange }: { value: ConnectionForm; onChange: (value: ConnectionForm) => void }) {
  const panelId = useId();
  const set = <K extends keyof ConnectionForm>(key: K, v: ConnectionForm[K]) => onChange({ ...value, [key]: v });

  async function readFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    onChange({ ...value, kubeconfig: text });
    event.target.value = '';
  }

  return (
    <fieldset className="fieldset">
      <legend>Connection</legend>
      <div className="tabs" role="tablist" aria-label="Connection kind">
        {MODES.map(({ mode, label }) => (
          <button
            key={mode}
            type="button"
            role="tab"
            aria-selected={value.mode === mode}
            aria-controls={panelId}
            className={value.mode === mode ? 'tab active' : 'tab'}
            onClick={() => set('mode', mode)}
          >
            {label}
          </button>
        ))}
      </div>
      <div id={panelId} role="tabpanel" className="form-grid">
        {value.mode === 'kubeconfig' ? (
          <>
            <label>
              Kubeconfig
              <textarea
                className="code-input"
                rows={8}
                spellCheck={false}
                autoComplete="off"
                placeholder="apiVersion: v1&#10;kind: Config&#10;…"
                value={value.kubeconfig}
                onChange={(e) => set('kubeconfig', e.target.value)}
              />
            </label>
            <label>
              Or read a file
              <input type="file" accept=".yaml,.yml,.conf,.config,text/*" onChange={(e) => void readFile(e)} />
            </label>
            <p className="hint">One context, inline data only: exec plugins, auth providers and file paths are refused.</p>
          </>
        ) : (
          <>
            <div className="form-cols">
              <label>
                Server
                <input
                  value={value.server}
                  autoComplete="off"
                  placeholder="https://api.demo-cluster-01.example.com:6443"
                  onChange={(e) => set('server', e.target.value)}
                />
              </label>
              <label>
                Token
                <input
                  type="password"
                  value={value.token}
                  autoComplete="off"
                  placeholder="bearer token"
                  onChange={(e) => set('token', e.target.value)}
                />
              </label>
            </div>
            <label>
              CA certificate (base64 PEM, optional)
              <textarea
                className="code-input"
                rows={2}
                spellCheck={false}
                value={value.certificateAuthorityData}
                onChange={(e) => set('certificateAuthorityData', e.target.value)}
              />
            </label>
            <label className="checkbox-label">
              <input
                type="checkbox"
                checked={value.insecureSkipTlsVerify}
                onChange={(e) => set('insecureSkipTlsVerify', e.target.checked)}
              />
              Skip TLS verification (insecure)
            </label>
          </>
        )}
        <p className="hint">The credentials are stored sealed on the server and never shown again.</p>
      </div>
      <AuthzModeField value={value.authzMode} onChange={(mode) => set('authzMode', mode)} />
    </fieldset>
  );
}

export function AuthzModeField({ value, onChange }: { value: AuthzMode; onChange: (mode: AuthzMode) => void }) {
  return (
    <label>
      Authorization mode
      <select value={value} onChange={(e) => onChange(e.target.value as AuthzMode)}>
        <option value="shared">shared</option>
        <option value="impersonate">impersonate</option>
      </select>
      <span className="hint" data-testid="authz-hint">
        {AUTHZ_MODE_HINTS[value]}
      </span>
    </label>
  );
}

/**
 * A register or connection-change error, explained; for a failed connection test, "Store anyway"
 * (the same request with ?skipVerify=true).
 */
export function ConnectionErrorPanel({
  error,
  title,
  busy,
  onStoreAnyway,
}: {
  error: ApiError;
  title: string;
  busy: boolean;
  onStoreAnyway: () => void;
}) {
  const failure = connectionFailure(error);
  const hints = connectionErrorHints(error);
  return (
    <ErrorPanel error={error} title={title}>
      {failure ? (
        <div className="connection-failed" data-testid="connection-failed" data-reason={failure.reason}>
          <p>
            The connection test failed: <strong>{failure.reason}</strong> — {failure.explanation}.
          </p>
          <p className="hint">You can store the connection anyway, e.g. when the cluster is down or reachable only later.</p>
          <div className="actions">
            <button type="button" className="danger" onClick={onStoreAnyway} disabled={busy}>
              {busy ? 'Storing…' : 'Store anyway'}
            </button>
          </div>
        </div>
      ) : null}
      {hints.length > 0 ? (
        <ul className="error-hints" data-testid="error-hints">
          {hints.map((hint) => (
            <li key={hint}>{hint}</li>
          ))}
        </ul>
      ) : null}
    </ErrorPanel>
  );
}
