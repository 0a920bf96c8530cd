import type { ReactNode } from 'react';
import { emptyRow, removeRow, replaceRow, type KeyValueRow } from '../lib/keyValue';

interface KeyValueEditorProps {
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  /** Names the inputs for screen readers and tests: "<name> key 1", "<name> value 1". */
  name: string;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  readOnly?: boolean;
  /** Something to show after a row's value (e.g. the JSON type a patch value parses to). */
  valueHint?: (row: KeyValueRow) => ReactNode;
  addLabel?: string;
}

/** Editable rows of key and value text for a map (labels, annotations, patches). */
export function KeyValueEditor({
  rows,
  onChange,
  name,
  keyPlaceholder = 'key',
  valuePlaceholder = 'value',
  readOnly = false,
  valueHint,
  addLabel = `Add ${name.toLowerCase()}`,
}: KeyValueEditorProps) {
  return (
    <div className="kv-editor" data-testid={`kv-${name.toLowerCase().replace(/\s+/g, '-')}`}>
      {rows.length === 0 && readOnly ? <span className="muted">none</span> : null}
      {rows.map((row, index) => (
        <div className="kv-row" key={index}>
          <input
            aria-label={`${name} key ${index + 1}`}
            placeholder={keyPlaceholder}
            value={row.key}
            readOnly={readOnly}
            onChange={(e) => onChange(replaceRow(rows, index, { ...row, key: e.target.value }))}
          />
          <input
            aria-label={`${name} value ${index + 1}`}
            placeholder={valuePlaceholder}
            value={row.value}
            readOnly={readOnly}
            onChange={(e) => onChange(replaceRow(rows, index, { ...row, value: e.target.value }))}
          />
          {valueHint ? <span className="kv-hint">{valueHint(row)}</span> : null}
          {readOnly ? null : (
            <button type="button" aria-label={`Remove ${name.toLowerCase()} ${index + 1}`} onClick={() => onChange(removeRow(rows, index))}>
              ×
            </button>
          )}
        </div>
      ))}
      {readOnly ? null : (
        <div>
          <button type="button" onClick={() => onChange([...rows, emptyRow()])}>
            {addLabel}
          </button>
        </div>
      )}
    </div>
  );
}
