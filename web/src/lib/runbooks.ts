// The Runbooks page and the runbooks a finding suggests: filters in the URL, the form's checks
// (the server's rules, so a mistake shows before the round trip), and how past fixes read.
import { paths } from '../api/endpoints';
import type { FindingClass, Runbook, RunbookInput } from '../api/types';
import { FINDING_CLASSES } from './findings';
import type { Checked } from './forms';

export const RUNBOOKS_ROUTE = '/runbooks';
/** How many runbooks a finding's evidence suggests. */
export const SUGGESTED_RUNBOOKS = 3;

/** The server's limits (src/incidents/memory.rs). */
const TITLE_MAX_CHARS = 200;
const BODY_MAX_BYTES = 64 * 1024;
const TAGS_MAX = 20;
const TAG = /^[a-z0-9-]{1,63}$/;

/** Filter values; '' means "not filtered". */
export interface RunbookFilters {
  class: FindingClass | '';
  tag: string;
  q: string;
}

export const EMPTY_RUNBOOK_FILTERS: RunbookFilters = { class: '', tag: '', q: '' };

/** The Runbooks page: its filters, and the runbook open (`?runbook=`, or `new` for the editor of a new one). */
export interface RunbooksView {
  filters: RunbookFilters;
  selected: string | null;
}

export function runbooksViewFromSearch(search: URLSearchParams): RunbooksView {
  const cls = search.get('class');
  return {
    filters: {
      class: FINDING_CLASSES.find((c) => c === cls) ?? '',
      tag: (search.get('tag') ?? '').trim(),
      q: (search.get('q') ?? '').trim(),
    },
    selected: search.get('runbook') || null,
  };
}

function filterParams(filters: Partial<RunbookFilters>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of ['class', 'tag', 'q'] as const) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  return params;
}

export function runbooksViewToSearch(view: RunbooksView): URLSearchParams {
  const params = filterParams(view.filters);
  if (view.selected) params.set('runbook', view.selected);
  return params;
}

/** The Runbooks page with runbook `id` open. */
export function runbookRoute(id: string): string {
  return `${RUNBOOKS_ROUTE}?${new URLSearchParams({ runbook: id }).toString()}`;
}

/** GET /api/memory/runbooks for `filters` (with a class: ranked by past fixes of it). */
export function runbooksApiPath(filters: Partial<RunbookFilters>): string {
  const query = filterParams(filters).toString();
  return query ? `${paths.runbooks}?${query}` : paths.runbooks;
}

/** GET /api/memory/fixes of one runbook or one finding, newest first. */
export function fixesApiPath(of: { runbookId: string } | { findingId: string }, limit = 20): string {
  const params = new URLSearchParams(of as Record<string, string>);
  params.set('limit', String(limit));
  return `${paths.fixes}?${params.toString()}`;
}

/** The editor's fields: tags as typed, comma- or space-separated. */
export interface RunbookDraft {
  title: string;
  body: string;
  tags: string;
  classes: FindingClass[];
}

export const EMPTY_RUNBOOK_DRAFT: RunbookDraft = { title: '', body: '', tags: '', classes: [] };

export function draftOf(runbook: Runbook): RunbookDraft {
  return { title: runbook.title, body: runbook.body, tags: runbook.tags.join(', '), classes: [...runbook.classes] };
}

/** The body to send, or what is wrong with the draft (the server's rules, checked here first). */
export function runbookInput(draft: RunbookDraft): Checked<RunbookInput> {
  const title = draft.title.trim();
  if (!title) return { error: 'A runbook needs a title.' };
  if ([...title].length > TITLE_MAX_CHARS) return { error: `The title is longer than ${TITLE_MAX_CHARS} characters.` };
  if (new TextEncoder().encode(draft.body).length > BODY_MAX_BYTES) return { error: 'The body is larger than 64 KiB.' };
  const tags = [...new Set(draft.tags.split(/[\s,]+/).filter(Boolean))];
  const bad = tags.find((t) => !TAG.test(t));
  if (bad !== undefined) return { error: `Tag "${bad}" is not 1 to 63 lowercase letters, digits and -.` };
  if (tags.length > TAGS_MAX) return { error: `At most ${TAGS_MAX} tags.` };
  return { input: { title, body: draft.body, tags, classes: [...new Set(draft.classes)] } };
}

/** "3 of 4 fixes worked", or that it was never followed. */
export function fixRecord(runbook: Pick<Runbook, 'successes' | 'failures'>): string {
  const used = runbook.successes + runbook.failures;
  if (used === 0) return 'not used yet';
  return `${runbook.successes} of ${used} fix${used === 1 ? '' : 'es'} worked`;
}
