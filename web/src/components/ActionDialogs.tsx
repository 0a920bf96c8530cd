import { useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ApiError } from '../api/client';
import { deleteObject, restartObject, revisionsPath, rollbackObject, scaleObject, setCordon, triggerCronJob } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { RevisionList } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { ACTION_LABELS, parseReplicas, PROPAGATION_POLICIES, targetText, type ActionId, type ActionTarget, type PropagationPolicy } from '../lib/actions';
import { objectApiPath } from '../lib/kinds';
import { Badge } from './Badge';
import { Dialog } from './Dialog';
import { DrainDialog } from './DrainDialog';
import { ErrorPanel } from './ErrorPanel';
import { Loading } from './Loading';
import { Time } from './Time';

export interface ActionDialogProps {
  action: ActionId;
  cluster: string;
  target: ActionTarget;
  kindName: string;
  replicas?: number | null;
  onClose: () => void;
  /** The action succeeded: a line saying what it did. */
  onDone: (note: string) => void;
}

/** The confirm dialog of one action, naming its target (kind, namespace/name, cluster). */
export function ActionDialog(props: ActionDialogProps) {
  const { action, cluster, target, kindName, onClose, onDone } = props;
  const object = objectApiPath(cluster, target.kind, target.namespace, target.name);
  const subject = targetText(kindName, target, cluster);
  const common = { cluster, object, subject, onClose, onDone };
  switch (action) {
    case 'scale':
      return <ScaleDialog {...common} replicas={props.replicas ?? null} />;
    case 'restart':
      return <RestartDialog {...common} isPod={target.kind.group === '' && target.kind.resource === 'pods'} />;
    case 'rollback':
      return <RollbackDialog {...common} />;
    case 'trigger':
      return (
        <SimpleAction {...common} action={action} run={() => triggerCronJob(object)} done={(r) => `Started Job ${r.namespace}/${r.job}.`}>
          <p>A Job is created from the CronJob's template now, outside its schedule.</p>
        </SimpleAction>
      );
    case 'cordon':
    case 'uncordon':
      return (
        <SimpleAction {...common} action={action} run={() => setCordon(object, action === 'cordon')} done={(r) => (r.unschedulable ? 'Cordoned: no new pods are scheduled here.' : 'Uncordoned: pods can be scheduled here again.')}>
          <p>{action === 'cordon' ? 'No new pods will be scheduled on the node; the pods on it keep running.' : 'New pods may be scheduled on the node again.'}</p>
        </SimpleAction>
      );
    case 'drain':
      return <DrainDialog {...common} />;
    case 'delete':
      return <DeleteDialog {...common} />;
    case 'apply':
      // Applying is the YAML tab's editor, not a dialog.
      return null;
  }
}

interface CommonProps {
  cluster: string;
  /** The object's API path. */
  object: string;
  /** How the dialog names the target. */
  subject: string;
  onClose: () => void;
  onDone: (note: string) => void;
}

/** The frame of a confirm dialog: the target, the fields, the error, Cancel and the action's button. */
function ConfirmForm({
  title,
  subject,
  confirm,
  danger = false,
  busy,
  error,
  canSubmit = true,
  onSubmit,
  onClose,
  children,
  wide = false,
}: {
  title: string;
  subject: string;
  confirm: string;
  danger?: boolean;
  busy: boolean;
  error: ApiError | null;
  canSubmit?: boolean;
  onSubmit: () => void;
  onClose: () => void;
  children?: ReactNode;
  wide?: boolean;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <Dialog title={title} onClose={onClose} wide={wide}>
      <form onSubmit={submit} className="form-grid" aria-label={title}>
        <p data-testid="action-target">
          <strong>{subject}</strong>
        </p>
        {children}
        {error ? <ErrorPanel error={error} title={`Cannot ${confirm.toLowerCase()}`} /> : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy || !canSubmit}>
            {busy ? `${confirm}…` : confirm}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** An action with nothing to choose: confirm, send, say what happened. */
function SimpleAction<T>({ cluster, subject, onClose, onDone, action, run, done, children }: CommonProps & { action: ActionId; run: () => Promise<T>; done: (result: T) => string; children: ReactNode }) {
  const mutation = useApiMutation(run, changes.clusterObjects(cluster));
  const label = ACTION_LABELS[action];
  return (
    <ConfirmForm title={label} subject={subject} confirm={label} busy={mutation.isPending} error={mutation.error} onSubmit={() => mutation.mutate(undefined, { onSuccess: (r) => onDone(done(r)) })} onClose={onClose}>
      {children}
    </ConfirmForm>
  );
}

function ScaleDialog({ cluster, object, subject, onClose, onDone, replicas }: CommonProps & { replicas: number | null }) {
  const [text, setText] = useState(replicas === null ? '' : String(replicas));
  const wanted = parseReplicas(text);
  const mutation = useApiMutation((n: number) => scaleObject(object, n), changes.clusterObjects(cluster));
  return (
    <ConfirmForm
      title="Scale"
      subject={subject}
      confirm="Scale"
      busy={mutation.isPending}
      error={mutation.error}
      canSubmit={wanted !== null}
      onSubmit={() => {
        if (wanted !== null) mutation.mutate(wanted, { onSuccess: (r) => onDone(`Scaled to ${r.replicas} replicas.`) });
      }}
      onClose={onClose}
    >
      <label>
        Replicas
        <input type="number" min={0} max={10000} value={text} onChange={(e) => setText(e.target.value)} autoFocus required />
      </label>
      {replicas !== null ? <p className="hint">Now {replicas}.</p> : null}
      {text !== '' && wanted === null ? <p className="hint text-bad">A whole number from 0 to 10,000.</p> : null}
    </ConfirmForm>
  );
}

function RestartDialog({ cluster, object, subject, onClose, onDone, isPod }: CommonProps & { isPod: boolean }) {
  const mutation = useApiMutation((force: boolean) => restartObject(object, force), changes.clusterObjects(cluster));
  const unmanaged = mutation.error?.code === 'unmanaged_pod';
  const restart = (force: boolean) =>
    mutation.mutate(force, { onSuccess: () => onDone(isPod ? (force ? 'Deleted the pod.' : 'Deleted the pod for its controller to replace.') : 'Restarted: a rollout replaces every pod.') });
  return (
    <ConfirmForm title="Restart" subject={subject} confirm="Restart" busy={mutation.isPending} error={unmanaged ? null : mutation.error} canSubmit={!unmanaged} onSubmit={() => restart(false)} onClose={onClose}>
      <p>{isPod ? 'The pod is deleted for its controller to replace.' : 'A rollout replaces every pod, as kubectl rollout restart does.'}</p>
      {unmanaged && mutation.error ? (
        <div className="notice" data-testid="unmanaged-pod">
          <p>
            <strong>No controller owns this pod:</strong> {mutation.error.message} Deleting it loses it for good.
          </p>
          <button type="button" className="danger" disabled={mutation.isPending} onClick={() => restart(true)}>
            Delete anyway
          </button>
        </div>
      ) : null}
    </ConfirmForm>
  );
}

function RollbackDialog({ cluster, object, subject, onClose, onDone }: CommonProps) {
  const revisions = useQuery(apiQuery<RevisionList>(revisionsPath(object)));
  const items = revisions.data?.items ?? [];
  const [chosen, setChosen] = useState<number | null>(null);
  // The newest revision that is not the current one, until another is chosen.
  const selected = chosen ?? items.find((r) => !r.current)?.revision ?? null;
  const mutation = useApiMutation((revision: number) => rollbackObject(object, revision), changes.clusterObjects(cluster));
  return (
    <ConfirmForm
      title="Roll back"
      subject={subject}
      confirm="Roll back"
      wide
      busy={mutation.isPending}
      error={mutation.error}
      canSubmit={selected !== null}
      onSubmit={() => {
        if (selected !== null) mutation.mutate(selected, { onSuccess: (r) => onDone(`Rolled back to revision ${r.revision}.`) });
      }}
      onClose={onClose}
    >
      {revisions.error ? <ErrorPanel error={revisions.error} title="Cannot list the revisions" /> : null}
      {revisions.isPending ? <Loading /> : null}
      {revisions.data && items.length === 0 ? <p className="muted">No revisions.</p> : null}
      {items.length > 0 ? (
        <fieldset className="fieldset revision-list" data-testid="revisions">
          <legend>Revision</legend>
          {items.map((r) => (
            <label key={r.revision} className="checkbox-label">
              <input type="radio" name="revision" value={r.revision} checked={selected === r.revision} disabled={r.current} onChange={() => setChosen(r.revision)} />
              <span>
                <strong>{r.revision}</strong> {r.current ? <Badge tone="good">current</Badge> : null} <code>{r.images.join(', ')}</code>
                {r.changeCause ? <span className="muted"> · {r.changeCause}</span> : null}
                {r.createdAt ? (
                  <span className="muted">
                    {' '}
                    · <Time value={r.createdAt} />
                  </span>
                ) : null}
              </span>
            </label>
          ))}
        </fieldset>
      ) : null}
    </ConfirmForm>
  );
}

function DeleteDialog({ cluster, object, subject, onClose, onDone }: CommonProps) {
  const [policy, setPolicy] = useState<PropagationPolicy>('Background');
  const mutation = useApiMutation((p: PropagationPolicy) => deleteObject(object, p), changes.clusterObjects(cluster));
  return (
    <ConfirmForm
      title="Delete"
      subject={subject}
      confirm="Delete"
      danger
      busy={mutation.isPending}
      error={mutation.error}
      onSubmit={() => mutation.mutate(policy, { onSuccess: (r) => onDone(r.finalizing ? 'Deleting: it waits for its finalizers or dependents.' : 'Deleted.') })}
      onClose={onClose}
    >
      <label>
        Dependents
        <select value={policy} onChange={(e) => setPolicy(e.target.value as PropagationPolicy)}>
          {PROPAGATION_POLICIES.map((p) => (
            <option key={p} value={p}>
              {POLICY_TEXT[p]}
            </option>
          ))}
        </select>
      </label>
    </ConfirmForm>
  );
}

const POLICY_TEXT: Record<PropagationPolicy, string> = {
  Background: 'Background: delete it now, its dependents after',
  Foreground: 'Foreground: delete its dependents first',
  Orphan: 'Orphan: keep its dependents',
};
