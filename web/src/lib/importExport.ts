// Import and export of the whole Flux catalog and its cluster assignments as one JSON document.
import type { ImportResult } from '../api/types';

export type ParsedDocument = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** The import text as a JSON object, or why it is not one. */
export function parseImportDocument(text: string): ParsedDocument {
  if (text.trim() === '') return { ok: false, message: 'Paste an export document or choose a file.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'The document must be a JSON object like the export.' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** The query string of POST /api/flux/import ('' when neither option is on). */
export function importQuery({ dryRun, prune }: { dryRun: boolean; prune: boolean }): string {
  const params = new URLSearchParams();
  if (dryRun) params.set('dryRun', 'true');
  if (prune) params.set('prune', 'true');
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** The download's file name, dated in UTC: fleetdeck-flux-2025-01-31T120000Z.json. */
export function exportFileName(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
  return `fleetdeck-flux-${stamp}.json`;
}

export const IMPORT_KINDS = [
  { key: 'platform_components', label: 'Platform components' },
  { key: 'namespaces', label: 'Namespaces' },
  { key: 'rolebindings', label: 'Role bindings' },
  { key: 'clusters', label: 'Clusters' },
] as const satisfies readonly { key: keyof ImportResult; label: string }[];

/** Whether an import result would change anything. */
export function importChangesAnything(result: ImportResult): boolean {
  return IMPORT_KINDS.some(({ key }) => {
    const c = result[key];
    return c.created + c.updated + c.deleted > 0;
  });
}
