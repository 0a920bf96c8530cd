// The columns of a live resource table, per kind, from the row's summary: what each cell
// shows, what it sorts by, and where it links. Mirrors the server's choice of summary per kind
// (src/inventory/rows.rs); custom resources get their CRD's printer columns.
import type { ResourceInfo, ResourceRow, RowSummary } from '../api/types';
import type { KindRef } from './kinds';
import { formatAge } from './time';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

/** An object a cell links to, by Kind (resolved against the cluster's resources when shown). */
export interface CellLink {
  kind: string;
  namespace: string | null;
  name: string;
}

export interface ColumnDef {
  /** Stable: the URL's `sort` and the saved widths name it. */
  id: string;
  header: string;
  /** What the column sorts by; null sorts last. */
  sortValue: (row: ResourceRow) => string | number | null;
  /** What the cell shows; `now` (ms) for ages. */
  text: (row: ResourceRow, now: number) => string;
  /** The whole value on hover, where the cell may cut it. */
  title?: (row: ResourceRow) => string | undefined;
  tone?: (row: ResourceRow) => Tone;
  /** 'self': the row's own detail page. */
  link?: (row: ResourceRow) => CellLink | 'self' | null;
  /** Default width in pixels. */
  width: number;
  align?: 'right';
}

type SummaryOf<T extends RowSummary['type']> = Extract<RowSummary, { type: T }>;

/** A reader of one kind of summary; null for rows of another kind. */
function from<T extends RowSummary['type'], V>(type: T, pick: (summary: SummaryOf<T>) => V): (row: ResourceRow) => V | null {
  return (row) => (row.summary.type === type ? pick(row.summary as SummaryOf<T>) : null);
}

const show = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === '' ? '—' : String(value);

function textColumn(
  id: string,
  header: string,
  value: (row: ResourceRow) => string | number | null | undefined,
  options: Partial<ColumnDef> = {},
): ColumnDef {
  return { id, header, sortValue: (row) => value(row) ?? null, text: (row) => show(value(row)), width: 120, ...options };
}

function numberColumn(id: string, header: string, value: (row: ResourceRow) => number | null): ColumnDef {
  return textColumn(id, header, value, { width: 80, align: 'right' });
}

/** A list (roles, ports, hosts): joined in the cell, one a line on hover. */
function listColumn(id: string, header: string, value: (row: ResourceRow) => string[] | null, width = 160): ColumnDef {
  return {
    id,
    header,
    width,
    sortValue: (row) => value(row)?.join(',') || null,
    text: (row) => show(value(row)?.join(', ')),
    title: (row) => value(row)?.join('\n') || undefined,
  };
}

/** `ready/of`, sorted by the fraction ready (then by the count). */
function ratioColumn(id: string, header: string, value: (row: ResourceRow) => [number, number] | null): ColumnDef {
  return {
    id,
    header,
    width: 80,
    align: 'right',
    sortValue: (row) => {
      const v = value(row);
      return v ? (v[1] === 0 ? 1 : v[0] / v[1]) + v[1] / 1e6 : null;
    },
    text: (row) => {
      const v = value(row);
      return v ? `${v[0]}/${v[1]}` : '—';
    },
    tone: (row) => {
      const v = value(row);
      return v && v[0] < v[1] ? 'warn' : 'neutral';
    },
  };
}

/** Newest first when ascending, as an age column reads ("smallest age first"). */
function ageValue(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? null : -at;
}

function ageColumn(id: string, header: string, value: (row: ResourceRow) => string | null | undefined): ColumnDef {
  return {
    id,
    header,
    width: 80,
    sortValue: (row) => ageValue(value(row)),
    text: (row, now) => formatAge(value(row), now),
    title: (row) => value(row) ?? undefined,
  };
}

const GOOD = new Set(['Running', 'Ready', 'Active', 'Bound', 'Available', 'Complete', 'Completed', 'Succeeded', 'Normal', 'Scheduled', 'True']);
const WARN = new Set(['Pending', 'ContainerCreating', 'PodInitializing', 'Terminating', 'Suspended', 'Released', 'Warning', 'Unknown']);

/** The colour of a status word: good, in progress (warn), or failing (bad: crash loops, failures, not ready). */
export function rowStatusTone(status: string): Tone {
  if (status === '') return 'neutral';
  const first = status.split(',')[0];
  if (GOOD.has(first)) return status.includes('SchedulingDisabled') ? 'warn' : 'good';
  if (WARN.has(first) || first.startsWith('Init:')) return 'warn';
  return 'bad';
}

const name: ColumnDef = textColumn('name', 'Name', (row) => row.name, { width: 230, link: () => 'self' });
const namespace: ColumnDef = textColumn('namespace', 'Namespace', (row) => row.namespace, { width: 120 });
const age: ColumnDef = ageColumn('age', 'Age', (row) => row.createdAt);
const status: ColumnDef = textColumn('status', 'Status', (row) => row.status, {
  width: 130,
  tone: (row) => rowStatusTone(row.status),
});

/** The reader of one summary type: `reader('pod')((s) => s.node)` reads a pod row's node. */
const reader =
  <T extends RowSummary['type']>(type: T) =>
  <V>(pick: (s: SummaryOf<T>) => V) =>
    from(type, pick);

/** The object an event row is about (`Kind/name`, in the event's namespace unless cluster-scoped). */
function involvedObject(row: ResourceRow): CellLink | null {
  if (row.summary.type !== 'event') return null;
  const [kind, ...rest] = row.summary.object.split('/');
  return kind && rest.length > 0 ? { kind, namespace: row.namespace ?? null, name: rest.join('/') } : null;
}

/** What the table shows of each kind (by `group/version/resource`, any version), between Name/Namespace and Age. */
function kindColumns(kind: KindRef, info: ResourceInfo | undefined): ColumnDef[] {
  const byResource = `${kind.group}/${kind.resource}`;
  switch (byResource) {
    case '/pods': {
      const read = reader('pod');
      return [
        ratioColumn('ready', 'Ready', read((s) => [s.readyContainers, s.containers])),
        status,
        numberColumn('restarts', 'Restarts', (row) => row.restarts),
        textColumn('node', 'Node', read((s) => s.node), {
          width: 120,
          link: (row) => {
            const node = read((s) => s.node)(row);
            return node ? { kind: 'Node', namespace: null, name: node } : null;
          },
        }),
        textColumn('ip', 'IP', read((s) => s.podIp), { width: 110 }),
      ];
    }
    case 'apps/deployments':
    case 'apps/statefulsets':
    case 'apps/replicasets':
    case 'apps/daemonsets': {
      const read = reader('workload');
      return [
        ratioColumn('ready', 'Ready', read((s) => [s.ready, s.desired])),
        numberColumn('updated', 'Up-to-date', read((s) => s.updated)),
        numberColumn('available', 'Available', read((s) => s.available)),
      ];
    }
    case '/nodes': {
      const read = reader('node');
      return [
        status,
        listColumn('roles', 'Roles', read((s) => s.roles), 140),
        textColumn('version', 'Version', read((s) => s.kubeletVersion), { width: 100 }),
        listColumn('taints', 'Taints', read((s) => s.taints), 240),
        textColumn('ip', 'Internal IP', read((s) => s.internalIp), { width: 120 }),
      ];
    }
    case 'batch/jobs': {
      const read = reader('job');
      return [
        ratioColumn('completions', 'Completions', read((s) => [s.succeeded, s.completions])),
        numberColumn('active', 'Active', read((s) => s.active)),
        numberColumn('failed', 'Failed', read((s) => s.failed)),
        status,
      ];
    }
    case 'batch/cronjobs': {
      const read = reader('cronJob');
      return [
        textColumn('schedule', 'Schedule', read((s) => s.schedule), { width: 120 }),
        textColumn('suspend', 'Suspend', read((s) => (s.suspend ? 'yes' : 'no')), { width: 80 }),
        numberColumn('active', 'Active', read((s) => s.active)),
        ageColumn('lastSchedule', 'Last schedule', read((s) => s.lastSchedule)),
      ];
    }
    case '/persistentvolumeclaims':
    case '/persistentvolumes': {
      const read = reader('volume');
      return [
        status,
        textColumn('boundTo', kind.resource === 'persistentvolumes' ? 'Claim' : 'Volume', read((s) => s.boundTo), { width: 200 }),
        textColumn('capacity', 'Capacity', read((s) => s.capacity), { width: 90 }),
        listColumn('accessModes', 'Access modes', read((s) => s.accessModes), 130),
        textColumn('storageClass', 'Storage class', read((s) => s.storageClass), { width: 120 }),
      ];
    }
    case '/services': {
      const read = reader('service');
      return [
        textColumn('type', 'Type', read((s) => s.serviceType), { width: 100 }),
        textColumn('clusterIp', 'Cluster IP', read((s) => s.clusterIp), { width: 120 }),
        listColumn('external', 'External IP', read((s) => s.external), 140),
        listColumn('ports', 'Ports', read((s) => s.ports), 160),
      ];
    }
    case 'networking.k8s.io/ingresses': {
      const read = reader('ingress');
      return [
        textColumn('class', 'Class', read((s) => s.class), { width: 100 }),
        listColumn('hosts', 'Hosts', read((s) => s.hosts), 220),
        listColumn('address', 'Address', read((s) => s.address), 140),
      ];
    }
    case '/configmaps':
    case '/secrets': {
      const read = reader('data');
      const keys = {
        ...numberColumn('keys', 'Data', read((s) => s.keys.length)),
        title: (row: ResourceRow) => (row.summary.type === 'data' ? row.summary.keys.join('\n') || undefined : undefined),
      };
      return kind.resource === 'secrets' ? [textColumn('type', 'Type', read((s) => s.secretType), { width: 200 }), keys] : [keys];
    }
    case '/namespaces':
      return [status];
  }
  const printerColumns = info?.printerColumns ?? [];
  if (printerColumns.length === 0) return [status];
  return printerColumns
    .filter((column) => column.name !== 'Age')
    .map((column) => {
      const cell = (row: ResourceRow) =>
        row.summary.type === 'columns' ? row.summary.columns.find((c) => c.name === column.name)?.value : undefined;
      const id = `column:${column.name}`;
      if (column.type === 'date') return ageColumn(id, column.name, (row) => scalar(cell(row)) as string | null);
      if (column.type === 'integer' || column.type === 'number') {
        return numberColumn(id, column.name, (row) => {
          const value = cell(row);
          return typeof value === 'number' ? value : null;
        });
      }
      return textColumn(id, column.name, (row) => scalar(cell(row)), { width: 140 });
    });
}

/** A printer column's value as text: strings and numbers as they are, anything else as JSON. */
function scalar(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * The columns of `kind`'s table: Name, Namespace (namespaced kinds, unless one namespace is
 * shown), what the kind's summary has, and Age. Events lead with what happened instead of a name.
 */
export function columnsFor(kind: KindRef, info: ResourceInfo | undefined, options: { oneNamespace: boolean }): ColumnDef[] {
  const namespaced = info?.namespaced ?? true;
  const ns = namespaced && !options.oneNamespace ? [namespace] : [];
  if (kind.resource === 'events' && (kind.group === '' || kind.group === 'events.k8s.io')) {
    const read = reader('event');
    return [
      textColumn('type', 'Type', read((s) => s.eventType), { width: 80, tone: (row) => (row.status === 'Warning' ? 'bad' : 'neutral') }),
      textColumn('reason', 'Reason', read((s) => s.reason), { width: 150, link: () => 'self' }),
      textColumn('object', 'Object', read((s) => s.object), { width: 200, link: (row) => involvedObject(row) }),
      numberColumn('count', 'Count', read((s) => s.count)),
      textColumn('message', 'Message', read((s) => s.message), { width: 320, title: (row) => read((s) => s.message)(row) ?? undefined }),
      ...ns,
      ageColumn('lastSeen', 'Last seen', read((s) => s.lastSeen)),
    ];
  }
  return [name, ...ns, ...kindColumns(kind, info), age];
}

/** The column a table sorts by when the URL names none: newest first for events, else the name. */
export function defaultSort(kind: KindRef): string {
  return kind.resource === 'events' ? 'lastSeen' : 'name';
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareValues(a: string | number | null, b: string | number | null): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * `rows` sorted by `column` (a new array): numbers by value, text in natural order (`pod-2`
 * before `pod-10`); empty values last in either order; ties keep namespace/name order.
 */
export function sortRows(rows: readonly ResourceRow[], column: ColumnDef, order: 'asc' | 'desc'): ResourceRow[] {
  const sign = order === 'asc' ? 1 : -1;
  const keyed = rows.map((row) => ({ row, value: column.sortValue(row) }));
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) {
      if (a.value !== b.value) return a.value === null ? 1 : -1;
    } else {
      const byValue = compareValues(a.value, b.value);
      if (byValue !== 0) return sign * byValue;
    }
    return collator.compare(a.row.namespace ?? '', b.row.namespace ?? '') || collator.compare(a.row.name, b.row.name);
  });
  return keyed.map((k) => k.row);
}

/** Rows whose name contains `query` (any case); all of them for an empty query. */
export function filterByName(rows: readonly ResourceRow[], query: string): readonly ResourceRow[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return rows;
  return rows.filter((row) => row.name.toLowerCase().includes(needle));
}

/** A stable key of a row: uid when the server has one. */
export function rowKey(row: ResourceRow): string {
  return row.uid || `${row.namespace ?? ''}/${row.name}`;
}

