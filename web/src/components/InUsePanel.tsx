import { forceDeleteLabel, type InUse } from '../lib/fluxErrors';

/** A 409 in_use answer to a delete: which clusters (and components) still use the entry, and the forced delete. */
export function InUsePanel({
  what,
  usage,
  busy,
  onForce,
  onCancel,
}: {
  what: string;
  usage: InUse;
  busy: boolean;
  onForce: () => void;
  onCancel: () => void;
}) {
  const { clusters, components } = usage;
  return (
    <div className="in-use-panel" role="alert" data-testid="in-use">
      <p>
        <strong>{what}</strong> is still in use, so it was not deleted.
      </p>
      {clusters.length > 0 ? (
        <>
          <p>
            Assigned to {clusters.length === 1 ? '1 cluster' : `${clusters.length} clusters`}:
          </p>
          <ul className="in-use-clusters" data-testid="in-use-clusters">
            {clusters.map((cluster) => (
              <li key={cluster}>{cluster}</li>
            ))}
          </ul>
        </>
      ) : null}
      {components.length > 0 ? (
        <>
          <p>Other components depend on it:</p>
          <ul className="in-use-clusters">
            {components.map((component) => (
              <li key={component}>{component}</li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="hint">
        Deleting it anyway removes it from {components.length > 0 ? 'those clusters and depends_on lists' : 'those clusters'} too; Flux
        then removes it from the clusters.
      </p>
      <div className="actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          Keep it
        </button>
        <button type="button" className="danger" onClick={onForce} disabled={busy}>
          {busy ? 'Deleting…' : forceDeleteLabel(usage)}
        </button>
      </div>
    </div>
  );
}
