import { useState, type ComponentType, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ApiError } from '../api/client';
import type { CatalogEndpoints } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { FluxWarning } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { useApiMutation } from '../hooks/useApiMutation';
import { inUse } from '../lib/fluxErrors';
import { canEditFlux } from '../lib/roles';
import { Dialog } from './Dialog';
import { FluxErrorPanel, FormProblems } from './FluxErrorPanel';
import { InUsePanel } from './InUsePanel';
import { Loading } from './Loading';
import { WarningsNotice } from './WarningsNotice';

/** What a catalog kind's form gets: the entry to edit (null: a new one) and how to save it. */
export interface CatalogFormProps<K> {
  initial: K | null;
  /** Every entry of the kind (e.g. for depends_on choices). */
  items: readonly K[];
  busy: boolean;
  error: ApiError | null;
  onSubmit: (body: K) => void;
  onCancel: () => void;
}

export interface CatalogColumn<K> {
  header: string;
  cell: (item: K) => ReactNode;
}

interface CatalogPageProps<K extends { id: string }> {
  title: string;
  intro: ReactNode;
  /** One entry, for buttons and titles: "component". */
  noun: string;
  listPath: string;
  endpoints: CatalogEndpoints<K>;
  columns: CatalogColumn<K>[];
  Form: ComponentType<CatalogFormProps<K>>;
  /** The dialog's width for this kind's form. */
  wideForm?: boolean;
}

type Editing<K> = { mode: 'create' } | { mode: 'edit'; item: K };

/** A Flux catalog kind: its table; for operators and admins create, edit and delete. */
export function CatalogPage<K extends { id: string }>({
  title,
  intro,
  noun,
  listPath,
  endpoints,
  columns,
  Form,
  wideForm = false,
}: CatalogPageProps<K>) {
  const list = useQuery(apiQuery<{ items: K[] }>(listPath));
  const canEdit = canEditFlux(useCurrentUser().roles);
  const [editing, setEditing] = useState<Editing<K> | null>(null);
  const [warnings, setWarnings] = useState<FluxWarning[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useApiMutation(
    ({ target, body }: { target: Editing<K>; body: K }) =>
      target.mode === 'create' ? endpoints.create(body) : endpoints.update(target.item.id, body),
    changes.catalogEntry(listPath),
  );
  const items = list.data?.items ?? [];

  function open(next: Editing<K>) {
    save.reset();
    setEditing(next);
  }

  function submit(body: K) {
    const current = editing;
    if (current === null) return;
    save.mutate(
      { target: current, body },
      {
        onSuccess: (result) => {
          setWarnings(result.warnings ?? []);
          setSaved(`${current.mode === 'create' ? 'Created' : 'Saved'} ${noun} ${result.id}.`);
          setEditing(null);
        },
      },
    );
  }

  return (
    <>
      <h1>{title}</h1>
      <p className="muted">{intro}</p>
      {saved ? (
        <p className="success-note" role="status" data-testid="saved">
          {saved}
        </p>
      ) : null}
      <WarningsNotice warnings={warnings} onDismiss={() => setWarnings([])} />
      <section className="panel">
        <div className="table-toolbar">
          <h2>
            {items.length > 0 ? `${items.length} ${items.length === 1 ? noun : `${noun}s`}` : title}{' '}
            {list.isFetching ? <Loading label="" /> : null}
          </h2>
          <span className="spacer" />
          {canEdit ? (
            <button type="button" className="primary" onClick={() => open({ mode: 'create' })}>
              New {noun}
            </button>
          ) : (
            <span className="hint">Read-only: operators and admins can change the catalog.</span>
          )}
        </div>
        {list.error ? <FluxErrorPanel error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.data ? (
          items.length === 0 ? (
            <p className="muted">No {noun}s yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="table" data-testid="catalog-table">
                <thead>
                  <tr>
                    {columns.map((c) => (
                      <th key={c.header}>{c.header}</th>
                    ))}
                    {canEdit ? <th aria-label="Actions" /> : null}
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <CatalogRow
                      key={item.id}
                      item={item}
                      noun={noun}
                      columns={columns}
                      canEdit={canEdit}
                      remove={endpoints.remove}
                      listPath={listPath}
                      onEdit={() => open({ mode: 'edit', item })}
                      onDeleted={() => setSaved(`Deleted ${noun} ${item.id}.`)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )
        ) : null}
      </section>
      {editing ? (
        <Dialog
          title={editing.mode === 'create' ? `New ${noun}` : `Edit ${noun} ${editing.item.id}`}
          wide={wideForm}
          onClose={() => setEditing(null)}
        >
          <Form
            initial={editing.mode === 'edit' ? editing.item : null}
            items={items}
            busy={save.isPending}
            error={save.error}
            onSubmit={submit}
            onCancel={() => setEditing(null)}
          />
        </Dialog>
      ) : null}
    </>
  );
}

function CatalogRow<K extends { id: string }>({
  item,
  noun,
  columns,
  canEdit,
  remove,
  listPath,
  onEdit,
  onDeleted,
}: {
  item: K;
  noun: string;
  columns: CatalogColumn<K>[];
  canEdit: boolean;
  remove: (id: string, force?: boolean) => Promise<void>;
  listPath: string;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const deletion = useApiMutation((force: boolean) => remove(item.id, force), changes.catalogDelete(listPath));
  const { error } = deletion;
  const busy = deletion.isPending;
  const usage = inUse(error);

  function del(force: boolean) {
    if (!force && !window.confirm(`Delete ${noun} "${item.id}"?`)) return;
    deletion.mutate(force, { onSuccess: onDeleted });
  }

  const span = columns.length + (canEdit ? 1 : 0);
  return (
    <>
      <tr data-testid="catalog-row" data-id={item.id}>
        {columns.map((c) => (
          <td key={c.header}>{c.cell(item)}</td>
        ))}
        {canEdit ? (
          <td className="row-actions">
            <button type="button" onClick={onEdit} disabled={busy}>
              Edit
            </button>
            <button type="button" className="danger" onClick={() => del(false)} disabled={busy}>
              Delete
            </button>
          </td>
        ) : null}
      </tr>
      {error ? (
        <tr className="row-error">
          <td colSpan={span}>
            {usage !== null ? (
              <InUsePanel what={`${noun} ${item.id}`} usage={usage} busy={busy} onForce={() => del(true)} onCancel={deletion.reset} />
            ) : (
              <FluxErrorPanel error={error} title={`Cannot delete ${item.id}`} />
            )}
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The bottom of a catalog form: problems found before sending, the server's error, the buttons. */
export function CatalogFormFooter({
  problems,
  error,
  busy,
  creating,
  onCancel,
}: {
  problems: readonly string[];
  error: ApiError | null;
  busy: boolean;
  creating: boolean;
  onCancel: () => void;
}) {
  return (
    <>
      <FormProblems problems={problems} />
      {error ? <FluxErrorPanel error={error} title={creating ? 'Cannot create' : 'Cannot save'} /> : null}
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : creating ? 'Create' : 'Save'}
        </button>
      </div>
    </>
  );
}
