import { useState } from 'react';
import { toApiError, type ApiError } from '../api/client';
import { revealSecret } from '../api/endpoints';
import type { KubeObject, SecretValue } from '../api/types';
import { CopyButton } from './CopyButton';
import { ErrorPanel } from './ErrorPanel';

type Shown = { state: 'loading' } | { state: 'shown'; value: SecretValue } | { state: 'failed'; error: ApiError };

/**
 * A Secret's keys, their values hidden; "Reveal" reads one value (audited) and shows it until the
 * page is left. Values live in this component's state only, never in the query cache.
 */
export function SecretData({ cluster, object }: { cluster: string; object: KubeObject }) {
  const keys = Object.keys(typeof object.data === 'object' && object.data !== null ? object.data : {}).sort();
  const [shown, setShown] = useState<Record<string, Shown>>({});
  const namespace = object.metadata.namespace ?? '';

  async function reveal(key: string) {
    setShown((s) => ({ ...s, [key]: { state: 'loading' } }));
    try {
      const value = await revealSecret(cluster, namespace, object.metadata.name, key);
      setShown((s) => ({ ...s, [key]: { state: 'shown', value } }));
    } catch (err) {
      setShown((s) => ({ ...s, [key]: { state: 'failed', error: toApiError(err) } }));
    }
  }

  const hide = (key: string) =>
    setShown((s) => {
      const next = { ...s };
      delete next[key];
      return next;
    });

  return (
    <section className="panel" aria-labelledby="secret-data-title">
      <h2 id="secret-data-title">Data</h2>
      {keys.length === 0 ? <p className="muted">No keys.</p> : null}
      <dl className="facts secret-data" data-testid="secret-data">
        {keys.map((key) => {
          const entry = shown[key];
          return (
            <div key={key} className="fact" data-key={key}>
              <dt>{key}</dt>
              <dd>
                {entry?.state === 'shown' ? (
                  <>
                    <pre className="selectable secret-value" data-testid="secret-value">
                      {entry.value.value}
                    </pre>
                    {entry.value.encoding === 'base64' ? <span className="hint">Not text: shown as base64.</span> : null}
                    <CopyButton text={entry.value.value} />{' '}
                    <button type="button" onClick={() => hide(key)}>
                      Hide
                    </button>
                  </>
                ) : (
                  <>
                    <span className="muted">hidden</span>{' '}
                    <button type="button" disabled={entry?.state === 'loading'} onClick={() => void reveal(key)} aria-label={`Reveal ${key}`}>
                      Reveal
                    </button>
                  </>
                )}
                {entry?.state === 'failed' ? <ErrorPanel error={entry.error} title={`Cannot reveal ${key}`} /> : null}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}
