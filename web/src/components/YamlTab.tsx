import { lazy, Suspense, useMemo, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { applyObject } from '../api/endpoints';
import { apiTextQuery, changes, invalidatePaths } from '../api/queries';
import type { KubeObject } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { useCanI } from '../hooks/useCanI';
import { useRiskGuard } from '../hooks/useRiskGuard';
import { checkFor, deniedReason } from '../lib/actions';
import { applyConflicts } from '../lib/conflicts';
import type { KindRef } from '../lib/kinds';
import { diffCounts, lineDiff } from '../lib/lineDiff';
import { comparableYaml } from '../lib/toYaml';
import { ConflictNotice } from './ConflictNotice';
import { UnifiedDiff } from './UnifiedDiff';
import { ErrorPanel } from './ErrorPanel';
import { Loading } from './Loading';
import { RiskGuardPanel } from './RiskGuardPanel';

const CodeEditor = lazy(() => import('./CodeEditor'));

interface Run {
  dryRun: boolean;
  force: boolean;
}

/**
 * An object's YAML, editable: a dry run shows what the apply would change (a line diff of the live
 * object against the dry run's answer), Apply applies it (server-side apply), and a conflict with
 * another field manager lists its fields with "Force" and "Take theirs". The risk guard analyses
 * the edit as it is typed; under the `block` policy its blocking findings keep Apply off.
 */
export function YamlTab({ cluster, kind, object, path }: { cluster: string; kind: KindRef; object: KubeObject; path: string }) {
  const yaml = useQuery(apiTextQuery(`${path}/yaml`));
  const queryClient = useQueryClient();
  // The edited text and the live text it started from; null while not edited.
  const [draft, setDraft] = useState<{ text: string; base: string } | null>(null);
  const [dryRun, setDryRun] = useState<KubeObject | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const checks = useMemo(() => [checkFor('apply', { kind, namespace: object.metadata.namespace ?? null, name: object.metadata.name })], [kind, object.metadata.namespace, object.metadata.name]);
  const access = useCanI(cluster, checks);
  const denied = deniedReason('apply', access.results[0]);
  // Only an edit is analysed: the live object is what is already there.
  const guard = useRiskGuard(cluster, draft?.text ?? '', object.metadata.namespace ?? undefined);
  const blocked = guard.blocked;
  const apply = useApiMutation((run: Run) => applyObject(path, draft?.text ?? yaml.data ?? '', run), (run) => (run.dryRun ? [] : changes.clusterObjects(cluster)));

  if (yaml.error) return <ErrorPanel error={yaml.error} title="Cannot read the YAML" onRetry={() => void yaml.refetch()} />;
  if (yaml.data === undefined) return <Loading />;
  const live = yaml.data;
  const text = draft?.text ?? live;
  const conflicts = apply.error ? applyConflicts(apply.error) : null;
  const diff = dryRun ? lineDiff(comparableYaml(object), comparableYaml(dryRun)) : null;
  const counts = diff ? diffCounts(diff) : null;

  const run = (how: Run) => {
    setNote(null);
    apply.mutate(how, {
      onSuccess: (result) => {
        if (how.dryRun) {
          setDryRun(result);
          return;
        }
        setDryRun(null);
        setDraft(null);
        setNote(how.force ? 'Applied, taking over the conflicting fields.' : 'Applied.');
      },
      onError: () => setDryRun(null),
    });
  };

  // Take theirs: drop the edit and read the live object again.
  const takeTheirs = () => {
    setDraft(null);
    setDryRun(null);
    apply.reset();
    void invalidatePaths(queryClient, [path]);
  };

  return (
    <section className="panel yaml-editor-panel" aria-label="YAML">
      <div className="table-toolbar">
        <button type="button" disabled={apply.isPending || denied !== null || access.isPending} title={denied ?? undefined} onClick={() => run({ dryRun: true, force: false })}>
          Dry run
        </button>
        <button
          type="button"
          className="primary"
          disabled={apply.isPending || denied !== null || access.isPending || blocked !== null}
          title={denied ?? blocked ?? undefined}
          data-denied={denied ?? undefined}
          data-blocked={blocked ?? undefined}
          onClick={() => run({ dryRun: false, force: false })}
        >
          Apply
        </button>
        <button type="button" disabled={draft === null} onClick={takeTheirs}>
          Reset
        </button>
        {apply.isPending ? <Loading label="" /> : null}
        {note ? (
          <span className="success-note" role="status" data-testid="apply-note">
            {note}
          </span>
        ) : null}
        {draft && draft.base !== live ? (
          <span className="text-warn" data-testid="live-changed">
            The object changed since you started editing.
          </span>
        ) : null}
      </div>
      {object.kind === 'Secret' ? <p className="hint">Secret values show as redacted here: apply only what you change, and leave data alone.</p> : null}
      <Suspense fallback={<Loading label="Loading the editor…" />}>
        <CodeEditor label="YAML" cluster={cluster} value={text} onChange={(next) => setDraft((d) => (next === (d?.base ?? live) ? null : { text: next, base: d?.base ?? live }))} />
      </Suspense>
      {draft ? <RiskGuardPanel analysis={guard.report} error={guard.error} pending={guard.isPending} /> : null}
      {blocked ? (
        <p className="text-warn" data-testid="apply-blocked">
          {blocked}
        </p>
      ) : null}
      {conflicts ? (
        <ConflictNotice
          title={`Other field managers own fields this apply changes. ${apply.error?.message ?? ''}`}
          conflicts={conflicts}
          busy={apply.isPending}
          onForce={() => run({ dryRun: apply.variables?.dryRun ?? false, force: true })}
          onTakeTheirs={takeTheirs}
        />
      ) : apply.error ? (
        <ErrorPanel error={apply.error} title="Cannot apply" />
      ) : null}
      {diff && counts ? (
        <div data-testid="dry-run-diff">
          <h3 className="subhead">
            Dry run: {diff.length === 0 ? 'no change' : `${counts.removed} lines removed, ${counts.added} added`}
          </h3>
          {diff.length > 0 ? <UnifiedDiff lines={diff} /> : null}
        </div>
      ) : null}
    </section>
  );
}
