// Maps (labels, annotations, patches) are edited as rows of key and value text; these pure
// functions move them between the rows and the objects the API takes.

export interface KeyValueRow {
  key: string;
  value: string;
}

/** The outcome of reading a form: the value to send, or what to fix first. */
export interface Parsed<T> {
  value: T;
  /** Human-readable problems; the value must not be sent while there are any. */
  errors: string[];
}

export const emptyRow = (): KeyValueRow => ({ key: '', value: '' });

/** An object's entries as rows, in the object's order, with `format` turning values into text. */
export function rowsFromObject<V>(object: Record<string, V> | null | undefined, format: (value: V) => string): KeyValueRow[] {
  return Object.entries(object ?? {}).map(([key, value]) => ({ key, value: format(value) }));
}

/** String maps (labels, annotations) as rows. */
export function stringRowsFromObject(object: Record<string, string> | null | undefined): KeyValueRow[] {
  return rowsFromObject(object, (value) => value);
}

/**
 * Rows back to an object. Keys are trimmed; rows with neither key nor value are skipped;
 * a value without a key and a key given twice are errors. `parse` turns value text into a value.
 */
export function rowsToObject<V>(rows: readonly KeyValueRow[], parse: (text: string) => V): Parsed<Record<string, V>> {
  const value: Record<string, V> = {};
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = row.key.trim();
    if (key === '') {
      if (row.value.trim() !== '') errors.push(`The value "${row.value}" has no key.`);
      continue;
    }
    if (seen.has(key)) {
      errors.push(`The key "${key}" is given twice.`);
      continue;
    }
    seen.add(key);
    value[key] = parse(row.value);
  }
  return { value, errors };
}

/** String-map rows (labels, annotations) to an object; values are kept as typed. */
export function stringRowsToObject(rows: readonly KeyValueRow[]): Parsed<Record<string, string>> {
  return rowsToObject(rows, (text) => text);
}

/** `rows` with row `index` replaced by `row`. */
export function replaceRow<R>(rows: readonly R[], index: number, row: R): R[] {
  return rows.map((r, i) => (i === index ? row : r));
}

/** `rows` without row `index`. */
export function removeRow<R>(rows: readonly R[], index: number): R[] {
  return rows.filter((_, i) => i !== index);
}
