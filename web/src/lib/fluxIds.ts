// Catalog ids and cluster names are DNS-1123 labels (the server checks too; this is early feedback).

/** For an input's `pattern` (anchored by the browser). */
export const DNS1123_LABEL_PATTERN = '[a-z0-9]([\\-a-z0-9]*[a-z0-9])?';
export const DNS1123_LABEL_TITLE =
  'Lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && new RegExp(`^(?:${DNS1123_LABEL_PATTERN})$`, 'v').test(value);
}
