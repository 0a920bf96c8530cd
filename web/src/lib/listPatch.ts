// Watch-stream frames applied to a cached resource list, so a live table changes in place
// (through queryClient.setQueryData) instead of refetching the whole list.

/** A row of a resource list; cluster-scoped kinds have no namespace. */
export interface WatchRow {
  name: string;
  namespace?: string | null;
}

/** A list answer: `{items, resourceVersion, total, continue}`. */
export interface ResourceList<R extends WatchRow> {
  items: R[];
  resourceVersion: string;
  total: number;
  /** Opaque token of the next page; empty when there is none. */
  continue: string;
}

/**
 * One decoded frame of a watch stream (the SSE event name is its type). A row frame may carry
 * its resourceVersion (the SSE id), which the list then records, so a resume starts from it.
 */
export type WatchFrame<R extends WatchRow> =
  | { type: 'snapshot'; rows: R[]; resourceVersion: string }
  | { type: 'added' | 'modified' | 'deleted'; row: R; resourceVersion?: string };

/** Rows are the same object when namespace and name match. */
function sameRow(a: WatchRow, b: WatchRow): boolean {
  return a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
}

/**
 * The list after `frame`; `list` itself is not changed. A snapshot replaces the whole list. An
 * added or modified row replaces the row it matches where it stands, or else is appended: an add
 * seen twice (e.g. after a resume) is a modify, and a modify of a row not listed yet (one that
 * just came into the watch's selector) is an add. Deleting a row that is not listed changes
 * nothing and answers `list` itself.
 */
export function applyWatchFrame<R extends WatchRow>(list: ResourceList<R>, frame: WatchFrame<R>): ResourceList<R> {
  if (frame.type === 'snapshot') {
    return { items: frame.rows, resourceVersion: frame.resourceVersion, total: frame.rows.length, continue: '' };
  }
  const at = list.items.findIndex((row) => sameRow(row, frame.row));
  const resourceVersion = frame.resourceVersion ?? list.resourceVersion;
  if (frame.type === 'deleted') {
    if (at === -1) return list;
    return { ...list, items: list.items.filter((_, i) => i !== at), total: list.total - 1, resourceVersion };
  }
  if (at === -1) return { ...list, items: [...list.items, frame.row], total: list.total + 1, resourceVersion };
  const items = list.items.slice();
  items[at] = frame.row;
  return { ...list, items, resourceVersion };
}
