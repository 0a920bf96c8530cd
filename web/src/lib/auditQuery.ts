// The audit page's state lives in the URL; these pure functions move it between
// the URL, the filter form and the API query (which use the same parameter names).
import type { AuditOutcome, AuditQuery } from '../api/types';
import { datetimeLocalToRfc3339, rfc3339ToDatetimeLocal } from './time';

export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_MAX_LIMIT = 500;
export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const satisfies readonly AuditOutcome[];

/** Filter values; '' means "not filtered". `from`/`to` are RFC 3339 UTC. */
export interface AuditFilters {
  actor: string;
  verb: string;
  outcome: string;
  cluster: string;
  namespace: string;
  name: string;
  requestId: string;
  from: string;
  to: string;
}

export interface AuditView {
  filters: AuditFilters;
  offset: number;
  limit: number;
}

/** Filter field -> query parameter name (the API's and the URL's; checked against the spec). */
const PARAMS: Record<keyof AuditFilters, keyof AuditQuery> = {
  actor: 'actor',
  verb: 'verb',
  outcome: 'outcome',
  cluster: 'cluster',
  namespace: 'namespace',
  name: 'name',
  requestId: 'request_id',
  from: 'from',
  to: 'to',
};

const FILTER_KEYS = Object.keys(PARAMS) as (keyof AuditFilters)[];

export const EMPTY_AUDIT_FILTERS: AuditFilters = {
  actor: '',
  verb: '',
  outcome: '',
  cluster: '',
  namespace: '',
  name: '',
  requestId: '',
  from: '',
  to: '',
};

function intParam(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null || !/^\d+$/.test(value)) return fallback;
  return Math.min(max, Math.max(min, Number(value)));
}

export function auditViewFromSearch(search: URLSearchParams): AuditView {
  const filters = { ...EMPTY_AUDIT_FILTERS };
  for (const key of FILTER_KEYS) filters[key] = (search.get(PARAMS[key]) ?? '').trim();
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(filters.outcome)) filters.outcome = '';
  return {
    filters,
    offset: intParam(search.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(search.get('limit'), AUDIT_PAGE_SIZE, 1, AUDIT_MAX_LIMIT),
  };
}

function filterParams(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key].trim();
    if (value !== '') params.set(PARAMS[key], value);
  }
  return params;
}

/** The URL query for a view: only what differs from the defaults. */
export function auditViewToSearch(view: AuditView): URLSearchParams {
  const params = filterParams(view.filters);
  if (view.limit !== AUDIT_PAGE_SIZE) params.set('limit', String(view.limit));
  if (view.offset > 0) params.set('offset', String(view.offset));
  return params;
}

/** The API query for a view: filters plus explicit limit and offset. */
export function auditApiQuery(view: AuditView): string {
  const params = filterParams(view.filters);
  params.set('limit', String(view.limit));
  params.set('offset', String(view.offset));
  return params.toString();
}

/** Filter values as the form shows them (`from`/`to` as datetime-local in local time). */
export function filtersToForm(filters: AuditFilters): AuditFilters {
  return { ...filters, from: rfc3339ToDatetimeLocal(filters.from), to: rfc3339ToDatetimeLocal(filters.to) };
}

/** Form values back to filters (`from`/`to` to RFC 3339 UTC). */
export function filtersFromForm(form: AuditFilters): AuditFilters {
  const filters = { ...EMPTY_AUDIT_FILTERS };
  for (const key of FILTER_KEYS) filters[key] = form[key].trim();
  filters.from = datetimeLocalToRfc3339(filters.from);
  filters.to = datetimeLocalToRfc3339(filters.to);
  return filters;
}

/** "x–y of total" for a page of `count` rows at `offset`. */
export function pageLabel(offset: number, count: number, total: number): string {
  if (count === 0) return `0 of ${total}`;
  return `${offset + 1}–${offset + count} of ${total}`;
}

export function hasPrevPage(view: AuditView): boolean {
  return view.offset > 0;
}

export function hasNextPage(view: AuditView, total: number): boolean {
  return view.offset + view.limit < total;
}

export function withOffset(view: AuditView, offset: number): AuditView {
  return { ...view, offset: Math.max(0, offset) };
}
