import { useMemo, useState, type ReactNode } from 'react';
import type { KubeObject, ResourceInfo, ResourceRow } from '../api/types';
import { useCanI } from '../hooks/useCanI';
import { ACTION_LABELS, actionsFor, checkFor, deniedReason, objectState, rowState, targetText, type ActionId, type ActionTarget } from '../lib/actions';
import type { KindRef } from '../lib/kinds';
import { ActionDialog } from './ActionDialogs';
import { Dialog } from './Dialog';

export interface ObjectActionsProps {
  cluster: string;
  target: ActionTarget;
  /** The object's kind as people say it (`Deployment`). */
  kindName: string;
  /** Whether the cluster lets this kind be deleted (its `delete` verb). */
  deletable: boolean;
  /** A node's state, when known: it picks cordon or uncordon. */
  unschedulable?: boolean | null;
  /** A workload's replicas now: the scale dialog starts from them. */
  replicas?: number | null;
}

/**
 * The buttons of the actions a kind has, each greyed with the reason when the user may not take it
 * (one batched can-i), and the confirm dialog of the one chosen.
 */
export function ObjectActions({ cluster, target, kindName, deletable, unschedulable, replicas }: ObjectActionsProps) {
  const { kind, namespace, name } = target;
  const actions = useMemo(() => actionsFor(kind, { deletable, unschedulable }), [kind, deletable, unschedulable]);
  const checks = useMemo(() => actions.map((action) => checkFor(action, { kind, namespace, name })), [actions, kind, namespace, name]);
  const access = useCanI(cluster, checks);
  const [open, setOpen] = useState<ActionId | null>(null);
  const [note, setNote] = useState<string | null>(null);
  if (actions.length === 0) return null;

  return (
    <div className="object-actions" role="group" aria-label="Actions" data-testid="object-actions">
      {actions.map((action, i) => {
        const reason = deniedReason(action, access.results[i]);
        return (
          <button
            key={action}
            type="button"
            className={action === 'delete' || action === 'drain' ? 'danger' : undefined}
            disabled={access.isPending || reason !== null}
            title={access.isPending ? 'Checking your permissions…' : (reason ?? undefined)}
            data-action={action}
            data-denied={reason ?? undefined}
            onClick={() => {
              setNote(null);
              setOpen(action);
            }}
          >
            {ACTION_LABELS[action]}
          </button>
        );
      })}
      {note ? (
        <span className="success-note" role="status" data-testid="action-note">
          {note}
        </span>
      ) : null}
      {open ? (
        <ActionDialog
          action={open}
          cluster={cluster}
          target={target}
          kindName={kindName}
          replicas={replicas}
          onClose={() => setOpen(null)}
          onDone={(text) => {
            setOpen(null);
            setNote(text);
          }}
        />
      ) : null}
    </div>
  );
}

const deletable = (info: ResourceInfo | undefined) => info?.verbs.includes('delete') ?? false;

/** The actions of an object's page, from the object itself. */
export function ObjectActionBar({ cluster, kind, info, object }: { cluster: string; kind: KindRef; info: ResourceInfo | undefined; object: KubeObject }) {
  const target = useMemo(() => ({ kind, namespace: object.metadata.namespace ?? null, name: object.metadata.name }), [kind, object.metadata.namespace, object.metadata.name]);
  return <ObjectActions cluster={cluster} target={target} kindName={object.kind} deletable={deletable(info)} {...objectState(object)} />;
}

/**
 * A table's row actions: `button(row)` for the row's last cell, and the dialog of the row whose
 * button was pressed (kept outside the table, so a row scrolling away or moving does not close it).
 */
export function useRowActions(cluster: string, kind: KindRef, info: ResourceInfo | undefined): { button: (row: ResourceRow) => ReactNode; dialog: ReactNode } {
  const [row, setRow] = useState<ResourceRow | null>(null);
  const kindName = info?.kind ?? kind.resource;
  const hasActions = actionsFor(kind, { deletable: deletable(info) }).length > 0;
  const button = (r: ResourceRow) =>
    hasActions ? (
      <button type="button" className="row-actions-button" aria-label={`Actions for ${r.name}`} title="Actions" onClick={() => setRow(r)}>
        ⋯
      </button>
    ) : null;
  const target = row ? { kind, namespace: row.namespace ?? null, name: row.name } : null;
  const dialog =
    row && target ? (
      <Dialog title={`Actions: ${targetText(kindName, target, cluster)}`} onClose={() => setRow(null)} wide>
        <ObjectActions cluster={cluster} target={target} kindName={kindName} deletable={deletable(info)} {...rowState(row)} />
        <div className="actions">
          <button type="button" onClick={() => setRow(null)}>
            Close
          </button>
        </div>
      </Dialog>
    ) : null;
  return { button, dialog };
}
