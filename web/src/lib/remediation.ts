// The remediation queue: its filters in the URL, the API paths, and what the queue shows of an
// item — a target's label, what a state lets the caller do next.
import { paths } from '../api/endpoints';
import type { RemediationItem, RemediationState } from '../api/types';

export const REMEDIATION_ROUTE = '/remediation';
export const REMEDIATION_PAGE_SIZE = 100;
export const REMEDIATION_STATES = ['proposed', 'approved', 'rejected', 'executed', 'failed'] as const satisfies readonly RemediationState[];

export const remediationPath = (id: string) => `${paths.remediation}/${encodeURIComponent(id)}`;
/** The GitOps artifact as JSON, or (`patch`) the patch file to download. */
export const gitopsPath = (id: string, format: 'json' | 'patch' = 'json') => `${remediationPath(id)}/gitops${format === 'patch' ? '?format=patch' : ''}`;

/** The queue: the state shown ('' every one) and the item open. */
export interface RemediationView {
  state: RemediationState | '';
  selected: string | null;
}

/** By default the queue shows what waits for a decision. */
export function remediationViewFromSearch(search: URLSearchParams): RemediationView {
  const state = search.get('state');
  return {
    state: state === 'all' ? '' : (REMEDIATION_STATES.find((s) => s === state) ?? 'proposed'),
    selected: search.get('remediation') || null,
  };
}

export function remediationViewToSearch(view: RemediationView): URLSearchParams {
  const params = new URLSearchParams();
  if (view.state !== 'proposed') params.set('state', view.state || 'all');
  if (view.selected) params.set('remediation', view.selected);
  return params;
}

/** The queue with remediation `id` open, whatever its state. */
export function remediationRoute(id: string): string {
  return `${REMEDIATION_ROUTE}?${new URLSearchParams({ state: 'all', remediation: id }).toString()}`;
}

/** GET /api/remediation: of one state or incident, a page of `limit` after `next`. */
export function remediationApiPath(filter: { state?: RemediationState | ''; incidentId?: string }, limit = REMEDIATION_PAGE_SIZE, next?: string | null): string {
  const params = new URLSearchParams();
  if (filter.state) params.set('state', filter.state);
  if (filter.incidentId) params.set('incidentId', filter.incidentId);
  params.set('limit', String(limit));
  if (next) params.set('continue', next);
  return `${paths.remediation}?${params.toString()}`;
}

/** `Deployment shop/web`, `Node node-1`. */
export function targetLabel(target: RemediationItem['target']): string {
  return `${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

/** The server's claim timeout: an execution claimed longer ago was abandoned (its server stopped). */
const CLAIM_TIMEOUT_MS = 10 * 60_000;

type Progress = Pick<RemediationItem, 'state' | 'executedAt'>;

/** Approved with an executor: it is running (a drain evicts for minutes), unless the claim was abandoned. */
export function isRunning(item: Progress, now = Date.now()): boolean {
  return item.state === 'approved' && !!item.executedAt && now - Date.parse(item.executedAt) < CLAIM_TIMEOUT_MS;
}

/** What an operator may do with an item: the server has the last word (the two-person rule). */
export function nextActions(item: Progress, now = Date.now()): ('approve' | 'reject' | 'execute')[] {
  if (item.state === 'proposed') return ['approve', 'reject'];
  if (item.state === 'approved' && !isRunning(item, now)) return ['execute'];
  return [];
}

export function stateTone(state: RemediationState): 'neutral' | 'good' | 'warn' | 'bad' | 'info' {
  switch (state) {
    case 'proposed':
      return 'warn';
    case 'approved':
      return 'info';
    case 'executed':
      return 'good';
    case 'failed':
      return 'bad';
    default:
      return 'neutral';
  }
}
