import { lazy, Suspense, useState } from 'react';
import { applyManifests } from '../api/endpoints';
import { changes } from '../api/queries';
import type { ApplyResult } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { useRiskGuard } from '../hooks/useRiskGuard';
import { applyConflicts } from '../lib/conflicts';
import { Badge } from './Badge';
import { ConflictNotice } from './ConflictNotice';
import { Dialog } from './Dialog';
import { ErrorPanel } from './ErrorPanel';
import { Loading } from './Loading';
import { RiskGuardPanel } from './RiskGuardPanel';

const CodeEditor = lazy(() => import('./CodeEditor'));

interface Run {
  dryRun: boolean;
  force: boolean;
}

/**
 * Applies YAML documents (separated by `---`) to a cluster: a dry run of all first, then all for
 * real; each document's result (created, configured, unchanged), or the document that failed.
 * The risk guard analyses the text as it is edited; under the `block` policy its blocking findings
 * keep Apply off.
 */
export function ApplyYamlDialog({ cluster, onClose }: { cluster: string; onClose: () => void }) {
  const [yaml, setYaml] = useState('');
  const [namespace, setNamespace] = useState('default');
  const [result, setResult] = useState<ApplyResult | null>(null);
  const apply = useApiMutation((run: Run) => applyManifests(cluster, yaml, { ...run, namespace }), (run) => (run.dryRun ? [] : changes.clusterObjects(cluster)));
  const run = (how: Run) => {
    setResult(null);
    apply.mutate(how, { onSuccess: setResult });
  };
  const conflicts = apply.error ? applyConflicts(apply.error) : null;
  const failedDocument = apply.error?.details?.document;
  const guard = useRiskGuard(cluster, yaml, namespace);
  const applyOff = guard.blocked;

  return (
    <Dialog title={`Apply YAML to ${cluster}`} wide onClose={onClose}>
      <div className="form-grid" data-testid="apply-yaml">
        <p className="hint">Server-side apply as the field manager fleetdeck. Every document is dry-run first; nothing changes unless all pass.</p>
        <Suspense fallback={<Loading label="Loading the editor…" />}>
          <CodeEditor label="Manifests" cluster={cluster} value={yaml} onChange={setYaml} />
        </Suspense>
        <label className="inline-label">
          Default namespace
          <input value={namespace} onChange={(e) => setNamespace(e.target.value)} />
        </label>
        <RiskGuardPanel analysis={guard.report} error={guard.error} pending={guard.isPending} />
        {conflicts ? (
          <ConflictNotice
            title={`${typeof failedDocument === 'number' ? `Document ${failedDocument}: ` : ''}other field managers own these fields.`}
            conflicts={conflicts}
            busy={apply.isPending}
            onForce={() => run({ dryRun: apply.variables?.dryRun ?? false, force: true })}
          />
        ) : apply.error ? (
          <ErrorPanel error={apply.error} title={typeof failedDocument === 'number' ? `Document ${failedDocument}` : 'Cannot apply'} />
        ) : null}
        {result ? (
          <table className="table" data-testid="apply-result">
            <caption>{result.dryRun ? 'Dry run: nothing was changed' : 'Applied'}</caption>
            <thead>
              <tr>
                <th>#</th>
                <th>Kind</th>
                <th>Object</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((item) => (
                <tr key={item.document} data-document={item.document}>
                  <td>{item.document}</td>
                  <td>{item.kind}</td>
                  <td>{item.namespace ? `${item.namespace}/${item.name}` : item.name}</td>
                  <td>
                    <Badge tone={item.action === 'unchanged' ? 'neutral' : 'good'}>{item.action}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {applyOff ? (
          <p className="text-warn" data-testid="apply-blocked">
            {applyOff}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" disabled={apply.isPending || yaml.trim() === ''} onClick={() => run({ dryRun: true, force: false })}>
            Dry run
          </button>
          <button
            type="button"
            className="primary"
            disabled={apply.isPending || yaml.trim() === '' || applyOff !== null}
            title={applyOff ?? undefined}
            data-blocked={applyOff ?? undefined}
            onClick={() => run({ dryRun: false, force: false })}
          >
            Apply
          </button>
        </div>
      </div>
    </Dialog>
  );
}
