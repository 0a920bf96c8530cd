// What a resource table shows, kept in the URL's query so that a link reproduces the view:
// `?namespace=shop&labelSelector=app%3Dweb&q=web&sort=restarts&order=desc`. The cluster and
// the kind are in the path (clusterRoutes.list).

export type SortOrder = 'asc' | 'desc';

export interface ListView {
  /** One namespace, or null for all of them. */
  namespace: string | null;
  /** The apiserver's label selector syntax; '' for none. */
  labelSelector: string;
  /** A substring of the name; '' for none. */
  q: string;
  /** A column id (lib/columns.ts). */
  sort: string;
  order: SortOrder;
}

/** The view of a kind whose table sorts by `defaultSort` when the URL says nothing. */
export function defaultView(defaultSort: string): ListView {
  return { namespace: null, labelSelector: '', q: '', sort: defaultSort, order: 'asc' };
}

/** The view a query string asks for; what it leaves out (or gets wrong) is the default. */
export function decodeListView(search: string | URLSearchParams, defaultSort: string): ListView {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const order = params.get('order');
  return {
    namespace: params.get('namespace') || null,
    labelSelector: params.get('labelSelector')?.trim() ?? '',
    q: params.get('q') ?? '',
    sort: params.get('sort') || defaultSort,
    order: order === 'desc' ? 'desc' : 'asc',
  };
}

/** The query string of `view` (with its `?`, or '' for the default view): defaults are left out. */
export function encodeListView(view: ListView, defaultSort: string): string {
  const params = new URLSearchParams();
  if (view.namespace) params.set('namespace', view.namespace);
  if (view.labelSelector.trim()) params.set('labelSelector', view.labelSelector.trim());
  if (view.q) params.set('q', view.q);
  if (view.sort !== defaultSort) params.set('sort', view.sort);
  if (view.order !== 'asc') params.set('order', view.order);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The view after a click on column `id`'s header: the same column flips its order, another sorts ascending. */
export function toggleSort(view: ListView, id: string): ListView {
  if (view.sort === id) return { ...view, order: view.order === 'asc' ? 'desc' : 'asc' };
  return { ...view, sort: id, order: 'asc' };
}

/** The query of the list (and stream) request: only what the server filters by; the name filter and sort are the table's. */
export function listQuery(view: Pick<ListView, 'namespace' | 'labelSelector'>): string {
  const params = new URLSearchParams();
  if (view.namespace) params.set('namespace', view.namespace);
  if (view.labelSelector.trim()) params.set('labelSelector', view.labelSelector.trim());
  const query = params.toString();
  return query ? `?${query}` : '';
}
