// Patch values are any JSON. The form shows each as text: parsed as JSON when it is JSON
// (3, true, {"a": 1}, "quoted"), else taken as the string typed (nginx:1.27).
import { rowsFromObject, rowsToObject, type KeyValueRow, type Parsed } from './keyValue';

/** The JSON value `text` stands for: its JSON parse, or the text itself when it is not JSON. */
export function parsePatchValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A value as the text that parsePatchValue reads back to the same value. */
export function formatPatchValue(value: unknown): string {
  if (typeof value === 'string' && parsePatchValue(value) === value) return value;
  return JSON.stringify(value) ?? 'null';
}

/** Which JSON type `text` parses to, for a hint next to the input. */
export function patchValueType(text: string): 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' {
  const value = parsePatchValue(text);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'number' || type === 'boolean' || type === 'object' ? type : 'string';
}

export function patchRowsFromObject(patches: Record<string, unknown> | null | undefined): KeyValueRow[] {
  return rowsFromObject(patches, formatPatchValue);
}

export function patchRowsToObject(rows: readonly KeyValueRow[]): Parsed<Record<string, unknown>> {
  return rowsToObject(rows, parsePatchValue);
}
