// JSON as block YAML, for comparing objects line by line (the YAML editor's dry-run diff): keys in
// the order given, strings quoted (as JSON strings, which YAML reads) whenever plain would be
// read as something else.

/** A plain scalar YAML would read back as this same string. */
const PLAIN = /^[A-Za-z_./][A-Za-z0-9 _./:@+-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    return PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(' ') && !value.includes(': ') && !value.includes(' #') ? value : JSON.stringify(value);
  }
  return String(value);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function lines(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return value.flatMap((item) => {
      const inner = nested(item, `${indent}  `);
      if (inner === null) return [`${indent}- ${scalar(item)}`];
      if (inner.length === 0) return [`${indent}- ${Array.isArray(item) ? '[]' : '{}'}`];
      // The item's first line goes after the dash.
      return [`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  if (isObject(value)) {
    return Object.entries(value).flatMap(([key, item]) => {
      const name = scalar(key);
      const inner = nested(item, Array.isArray(item) ? indent : `${indent}  `);
      if (inner === null) return [`${indent}${name}: ${scalar(item)}`];
      if (inner.length === 0) return [`${indent}${name}: ${Array.isArray(item) ? '[]' : '{}'}`];
      return [`${indent}${name}:`, ...inner];
    });
  }
  return [`${indent}${scalar(value)}`];
}

/** The lines of a map or list at `indent`; null for a scalar. */
function nested(value: unknown, indent: string): string[] | null {
  return Array.isArray(value) || isObject(value) ? lines(value, indent) : null;
}

export function toYaml(value: unknown): string {
  const out = nested(value, '');
  if (out === null) return `${scalar(value)}\n`;
  if (out.length === 0) return Array.isArray(value) ? '[]\n' : '{}\n';
  return `${out.join('\n')}\n`;
}

/** An object as the console compares it: without its field ownership (the live view never has it). */
export function comparableYaml(object: unknown): string {
  if (!isObject(object) || !isObject(object.metadata)) return toYaml(object);
  const metadata = { ...object.metadata };
  delete metadata.managedFields;
  return toYaml({ ...object, metadata });
}
