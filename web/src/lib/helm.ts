// Helm releases in the console (pure): status colours, the tab and revisions a release page
// shows, filtering, values as text, and a unified diff cut into lines to colour.
import type { HelmRelease, HelmReleaseDiff } from '../api/types';
import type { ReleaseTab } from './clusterRoutes';

export type Tone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

/** A Helm status's colour: deployed is good, failed bad, anything on its way warn. */
export function releaseStatusTone(status: string): Tone {
  if (status === 'deployed') return 'good';
  if (status === 'failed') return 'bad';
  if (status.startsWith('pending-') || status === 'uninstalling') return 'warn';
  return 'neutral';
}

const TABS: readonly ReleaseTab[] = ['overview', 'values', 'manifest', 'history', 'diff'];

/** The tab `?tab=` names, the overview for anything else. */
export function releaseTab(param: string | null): ReleaseTab {
  return TABS.find((t) => t === param) ?? 'overview';
}

/** A positive revision number from the URL, or null. */
export function revisionParam(param: string | null): number | null {
  if (param === null || !/^[1-9][0-9]*$/.test(param)) return null;
  return Number(param);
}

/**
 * The revisions a diff compares: `to` as asked or the newest, `from` as asked or the revision
 * before `to` in the history (newest first; revisions may be missing when Helm pruned them).
 * Null where there is none to compare with.
 */
export function diffPair(history: readonly HelmRelease[], from: number | null, to: number | null): { from: number | null; to: number | null } {
  const newer = to ?? history[0]?.revision ?? null;
  if (newer === null) return { from: null, to: null };
  const older = from ?? history.map((r) => r.revision).find((r) => r < newer) ?? null;
  return { from: older, to: newer };
}

/** The releases whose name, namespace or chart holds `q` (any case). */
export function filterReleases(items: readonly HelmRelease[], q: string): HelmRelease[] {
  const needle = q.trim().toLowerCase();
  if (!needle) return [...items];
  return items.filter((r) => [r.name, r.namespace, r.chart].some((field) => field.toLowerCase().includes(needle)));
}

/** A value of a values diff as one line of text: JSON, so a string reads apart from a number. */
export function formatValue(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value);
}

/** How many values and objects a diff changes, for its heading. */
export function diffSummary(diff: HelmReleaseDiff): string {
  const values = diff.values.added.length + diff.values.removed.length + diff.values.changed.length;
  const objects = diff.manifest.resources.length;
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  return `${plural(values, 'value')} and ${plural(objects, 'object')} changed, ${plural(diff.manifest.unchanged, 'object')} unchanged`;
}

export type DiffLineKind = 'header' | 'hunk' | 'added' | 'removed' | 'context';

/** A unified diff's lines, each with what it is. */
export function diffLines(unified: string): { kind: DiffLineKind; text: string }[] {
  const lines = unified.endsWith('\n') ? unified.slice(0, -1).split('\n') : unified.split('\n');
  return lines.map((text) => {
    if (text.startsWith('--- ') || text.startsWith('+++ ')) return { kind: 'header', text };
    if (text.startsWith('@@')) return { kind: 'hunk', text };
    if (text.startsWith('+')) return { kind: 'added', text };
    if (text.startsWith('-')) return { kind: 'removed', text };
    return { kind: 'context', text };
  });
}
