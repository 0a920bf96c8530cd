// The incident workbench: the list's filters in the URL, the API paths, and the pure parts of
// its views — the timeline's sources, the steps' progress, the replay's position, the
// postmortem form's checks (the server's rules, so a mistake shows before the round trip).
import { paths } from '../api/endpoints';
import type { FindingSeverity, IncidentState, PostmortemAction, PostmortemInput, Step, TimelineEntry } from '../api/types';
import { FINDING_SEVERITIES } from './findings';
import { datetimeLocalToRfc3339, rfc3339ToDatetimeLocal } from './time';
import type { Checked } from './forms';

export const INCIDENTS_ROUTE = '/incidents';
export const INCIDENTS_PAGE_SIZE = 100;
/** The workbench asks again this often: others work on the same incident. */
export const INCIDENT_REFRESH_MS = 10_000;
export const INCIDENT_STATES = ['open', 'resolved'] as const satisfies readonly IncidentState[];

export const incidentRoute = (id: string) => `${INCIDENTS_ROUTE}/${encodeURIComponent(id)}`;
export const incidentPath = (id: string) => `${paths.incidents}/${encodeURIComponent(id)}`;
export const incidentReplayPath = (id: string) => `${incidentPath(id)}/replay`;
/** The evidence bundle as a download: JSON or a Markdown file. */
export const incidentEvidencePath = (id: string, format: 'json' | 'markdown') => `${incidentPath(id)}/evidence?format=${format}`;

/** Filter values; '' means "not filtered". */
export interface IncidentFilters {
  state: IncidentState | '';
  severity: FindingSeverity | '';
  cluster: string;
}

/** Open incidents by default: the list is where work starts. */
export const DEFAULT_INCIDENT_FILTERS: IncidentFilters = { state: 'open', severity: '', cluster: '' };

export function incidentFiltersFromSearch(search: URLSearchParams): IncidentFilters {
  const state = search.get('state');
  const severity = search.get('severity');
  return {
    // `state=all` is the unfiltered list; no state at all is the default (open).
    state: state === 'all' ? '' : (INCIDENT_STATES.find((s) => s === state) ?? 'open'),
    severity: FINDING_SEVERITIES.find((s) => s === severity) ?? '',
    cluster: (search.get('cluster') ?? '').trim(),
  };
}

export function incidentFiltersToSearch(filters: IncidentFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.state !== 'open') params.set('state', filters.state || 'all');
  if (filters.severity) params.set('severity', filters.severity);
  if (filters.cluster.trim()) params.set('cluster', filters.cluster.trim());
  return params;
}

/** GET /api/incidents for `filters`: a page of `limit`, after the `continue` token `next`. */
export function incidentsApiPath(filters: IncidentFilters, limit = INCIDENTS_PAGE_SIZE, next?: string | null): string {
  const params = new URLSearchParams();
  if (filters.state) params.set('state', filters.state);
  if (filters.severity) params.set('severity', filters.severity);
  if (filters.cluster.trim()) params.set('cluster', filters.cluster.trim());
  params.set('limit', String(limit));
  if (next) params.set('continue', next);
  return `${paths.incidents}?${params.toString()}`;
}

const SOURCE_LABELS: Record<TimelineEntry['source'], string> = {
  finding: 'finding',
  event: 'event',
  audit: 'action',
  note: 'note',
  incident: 'incident',
};

export const TIMELINE_SOURCES = Object.keys(SOURCE_LABELS) as TimelineEntry['source'][];

export function sourceLabel(source: TimelineEntry['source']): string {
  return SOURCE_LABELS[source] ?? source;
}

/** "2 of 5 done" (skipped steps count as handled). */
export function stepProgress(steps: readonly Pick<Step, 'state'>[]): string {
  const handled = steps.filter((s) => s.state !== 'pending').length;
  return `${handled} of ${steps.length} done`;
}

/** An offset from the replay's start as `+1h 02m`, `-3m 05s`, `+12s`. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${sign}${h}h ${pad(m)}m`;
  if (m > 0) return `${sign}${m}m ${pad(s)}s`;
  return `${sign}${s}s`;
}

/** The postmortem editor's fields: times as `<input type="datetime-local">` values. */
export interface PostmortemDraft {
  summary: string;
  impactStart: string;
  impactEnd: string;
  rootCause: string;
  actions: PostmortemAction[];
  remediationIds: string;
}

/** A draft from what is written, else from the incident: impact from its start to its resolution (or now). */
export function postmortemDraft(
  written: (Omit<PostmortemInput, 'actions' | 'remediationIds' | 'rootCause'> & { rootCause?: string; actions?: PostmortemAction[]; remediationIds?: string[] }) | null | undefined,
  incident: { startedAt: string; resolvedAt?: string | null },
  now: Date = new Date(),
): PostmortemDraft {
  if (written) {
    return {
      summary: written.summary,
      impactStart: rfc3339ToDatetimeLocal(written.impactStart),
      impactEnd: rfc3339ToDatetimeLocal(written.impactEnd),
      rootCause: written.rootCause ?? '',
      actions: (written.actions ?? []).map((a) => ({ ...a })),
      remediationIds: (written.remediationIds ?? []).join(', '),
    };
  }
  return {
    summary: '',
    impactStart: rfc3339ToDatetimeLocal(incident.startedAt),
    impactEnd: rfc3339ToDatetimeLocal(incident.resolvedAt ?? now.toISOString()),
    rootCause: '',
    actions: [],
    remediationIds: '',
  };
}

/** The body to send, or what is wrong with the draft. */
export function postmortemInput(draft: PostmortemDraft): Checked<PostmortemInput> {
  if (!draft.summary.trim()) return { error: 'A postmortem needs a summary.' };
  const impactStart = datetimeLocalToRfc3339(draft.impactStart);
  const impactEnd = datetimeLocalToRfc3339(draft.impactEnd);
  if (!impactStart || !impactEnd) return { error: 'Give the impact window: its start and end.' };
  if (Date.parse(impactEnd) < Date.parse(impactStart)) return { error: 'The impact ends before it starts.' };
  const actions = draft.actions.map((a) => ({ ...a, title: a.title.trim(), owner: a.owner?.trim() || undefined }));
  if (actions.some((a) => !a.title)) return { error: 'Every action needs a title.' };
  if (actions.some((a) => [...a.title].length > 200)) return { error: 'An action title is longer than 200 characters.' };
  if (actions.length > 50) return { error: 'At most 50 actions.' };
  const remediationIds = [...new Set(draft.remediationIds.split(/[\s,]+/).filter(Boolean))];
  return { input: { summary: draft.summary, impactStart, impactEnd, rootCause: draft.rootCause, actions, remediationIds } };
}
