import { describe, expect, it } from 'vitest';
import type { ImportResult } from '../api/types';
import { exportFileName, importChangesAnything, importQuery, parseImportDocument } from './importExport';

describe('import and export', () => {
  it('parses a document', () => {
    expect(parseImportDocument('{"platform_components": []}')).toEqual({ ok: true, value: { platform_components: [] } });
    expect(parseImportDocument('  ')).toMatchObject({ ok: false });
    expect(parseImportDocument('[1]')).toEqual({ ok: false, message: 'The document must be a JSON object like the export.' });
    const bad = parseImportDocument('{');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/^Not JSON: /);
  });

  it('builds the import query', () => {
    expect(importQuery({ dryRun: true, prune: false })).toBe('?dryRun=true');
    expect(importQuery({ dryRun: true, prune: true })).toBe('?dryRun=true&prune=true');
    expect(importQuery({ dryRun: false, prune: true })).toBe('?prune=true');
    expect(importQuery({ dryRun: false, prune: false })).toBe('');
  });

  it('names the export file', () => {
    expect(exportFileName(new Date('2025-01-31T12:34:56.789Z'))).toBe('fleetdeck-flux-2025-01-31T123456Z.json');
  });

  it('tells whether an import changes anything', () => {
    const none = { created: 0, updated: 0, deleted: 0, unchanged: 2 };
    const result: ImportResult = {
      dry_run: true,
      platform_components: none,
      namespaces: none,
      rolebindings: none,
      clusters: none,
      warnings: [],
    };
    expect(importChangesAnything(result)).toBe(false);
    expect(importChangesAnything({ ...result, clusters: { ...none, deleted: 1 } })).toBe(true);
  });
});
