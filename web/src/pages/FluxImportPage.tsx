import { useEffect, useState, type ChangeEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { exportFlux, importFlux } from '../api/endpoints';
import { changes } from '../api/queries';
import type { FluxExport, ImportResult } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { FluxErrorPanel, FormProblems } from '../components/FluxErrorPanel';
import { WarningsNotice } from '../components/WarningsNotice';
import { useApiMutation } from '../hooks/useApiMutation';
import { exportFileName, IMPORT_KINDS, importChangesAnything, parseImportDocument } from '../lib/importExport';
import { canEditFlux } from '../lib/roles';

export function FluxImportPage() {
  const canEdit = canEditFlux(useCurrentUser().roles);
  return (
    <>
      <h1>Import / export</h1>
      <p className="muted">
        The whole Flux catalog (components, namespaces, role bindings) and every cluster's assignments as one JSON document: to
        back it up, review it, or move it to another Fleetdeck.
      </p>
      <ExportPanel />
      {canEdit ? (
        <ImportPanel />
      ) : (
        <section className="panel">
          <h2>Import</h2>
          <p className="muted">Operators and admins can import.</p>
        </section>
      )}
    </>
  );
}

interface Download {
  url: string;
  fileName: string;
  bytes: number;
}

function ExportPanel() {
  // A read on demand, fresh each time: a mutation for its busy and error state, and nothing to cache.
  const exporting = useMutation({ mutationFn: exportFlux, onSuccess: startDownload });
  const [download, setDownload] = useState<Download | null>(null);

  // The object URL lives as long as its link.
  useEffect(() => {
    if (download === null) return;
    return () => URL.revokeObjectURL(download.url);
  }, [download]);

  function startDownload(document: FluxExport) {
    const blob = new Blob([`${JSON.stringify(document, null, 2)}\n`], { type: 'application/json' });
    const next = { url: URL.createObjectURL(blob), fileName: exportFileName(), bytes: blob.size };
    setDownload(next);
    // Start the download through a (detached) link: no inline script, no navigation.
    const link = window.document.createElement('a');
    link.href = next.url;
    link.download = next.fileName;
    link.click();
  }

  return (
    <section className="panel">
      <h2>Export</h2>
      <div className="form-row">
        <button type="button" className="primary" disabled={exporting.isPending} onClick={() => exporting.mutate()}>
          {exporting.isPending ? 'Exporting…' : 'Export'}
        </button>
        {download ? (
          <span data-testid="export-link">
            <a href={download.url} download={download.fileName}>
              {download.fileName}
            </a>{' '}
            <span className="muted">({download.bytes.toLocaleString('en-US')} bytes)</span>
          </span>
        ) : null}
      </div>
      {exporting.error ? <FluxErrorPanel error={exporting.error} title="Cannot export" /> : null}
    </section>
  );
}

function ImportPanel() {
  const [text, setText] = useState('');
  const [prune, setPrune] = useState(false);
  const [fileError, setFileError] = useState<string | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  /** What the last dry run was for: Apply is offered for exactly that. */
  const [dryRunFor, setDryRunFor] = useState<string | null>(null);
  const send = useApiMutation(
    ({ document, ...options }: { document: Record<string, unknown>; dryRun: boolean; prune: boolean }) => importFlux(document, options),
    // A dry run changes nothing.
    ({ dryRun }) => (dryRun ? [] : changes.fluxImport),
  );
  const busy = send.isPending;

  const parsed = parseImportDocument(text);
  const settings = JSON.stringify([text, prune]);
  const canApply = dryRunFor === settings && result !== null && result.dry_run;

  function edited(next: string) {
    setText(next);
    setResult(null);
    send.reset();
  }

  async function chooseFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    setFileError(null);
    if (!file) return;
    try {
      edited(await file.text());
    } catch (err) {
      setFileError(`Cannot read ${file.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function importDocument(dryRun: boolean) {
    if (!parsed.ok) return;
    if (!dryRun && prune && !window.confirm('Apply with prune: entries and assignments missing from the document are deleted. Go on?')) return;
    send.mutate(
      { document: parsed.value, dryRun, prune },
      {
        onSuccess: (answer) => {
          setResult(answer);
          setDryRunFor(dryRun ? settings : null);
        },
      },
    );
  }

  return (
    <section className="panel">
      <h2>Import</h2>
      <div className="form-grid">
        <label>
          Import from a file (an export document)
          <input type="file" accept=".json,application/json" onChange={(e) => void chooseFile(e)} />
        </label>
        {fileError ? <FormProblems problems={[fileError]} /> : null}
        <textarea
          aria-label="Import document"
          className="code-input"
          rows={12}
          spellCheck={false}
          placeholder='{"platform_components": [], "namespaces": [], "rolebindings": [], "clusters": []}'
          value={text}
          onChange={(e) => edited(e.target.value)}
        />
        {text !== '' && !parsed.ok ? <FormProblems problems={[parsed.message]} /> : null}
        <label className="checkbox-label">
          <input
            type="checkbox"
            checked={prune}
            onChange={(e) => {
              setPrune(e.target.checked);
              setResult(null);
            }}
          />
          Prune
        </label>
        <p className="hint">
          Without prune, the import only creates and updates: anything the document does not mention stays as it is. With
          prune, catalog entries and cluster assignments missing from the document are deleted, so Fleetdeck ends up exactly
          like the document.
        </p>
        <div className="form-row">
          <button type="button" disabled={busy || !parsed.ok} onClick={() => importDocument(true)}>
            {busy ? 'Working…' : 'Dry run'}
          </button>
          <button
            type="button"
            className={prune ? 'danger' : 'primary'}
            disabled={busy || !parsed.ok || !canApply}
            title={canApply ? undefined : 'Do a dry run of this document first'}
            onClick={() => importDocument(false)}
          >
            Apply{prune ? ' with prune' : ''}
          </button>
          {!canApply && parsed.ok ? <span className="hint">Apply is offered after a dry run of the same document and options.</span> : null}
        </div>
      </div>
      {send.error ? <FluxErrorPanel error={send.error} title="Import failed" /> : null}
      {result ? <ImportResultView result={result} /> : null}
    </section>
  );
}

function ImportResultView({ result }: { result: ImportResult }) {
  return (
    <div className="import-result" data-testid="import-result">
      <h3>
        {result.dry_run ? 'Dry run: nothing was changed yet' : 'Imported'}
        {importChangesAnything(result) ? '' : ' — no changes'}
      </h3>
      <table className="table counts-table">
        <thead>
          <tr>
            <th>Kind</th>
            <th>Created</th>
            <th>Updated</th>
            <th>Deleted</th>
            <th>Unchanged</th>
          </tr>
        </thead>
        <tbody>
          {IMPORT_KINDS.map(({ key, label }) => (
            <tr key={key} data-kind={key}>
              <td>{label}</td>
              <td>{result[key].created}</td>
              <td>{result[key].updated}</td>
              <td className={result[key].deleted > 0 ? 'count-deleted' : undefined}>{result[key].deleted}</td>
              <td>{result[key].unchanged}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <WarningsNotice warnings={result.warnings} dryRun={result.dry_run} />
    </div>
  );
}
