// Where a search term stands in a text, for highlighting (log lines, search hits).

export interface Segment {
  text: string;
  match: boolean;
}

/** `text` cut into the runs that match `query` (any case) and those between; one plain run for no query. */
export function highlightSegments(text: string, query: string): Segment[] {
  if (query === '') return [{ text, match: false }];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  const segments: Segment[] = [];
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    if (at > from) segments.push({ text: text.slice(from, at), match: false });
    segments.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length || segments.length === 0) segments.push({ text: text.slice(from), match: false });
  return segments;
}

/** Whether `text` contains `query`, in any case. */
export function matches(text: string, query: string): boolean {
  return query !== '' && text.toLowerCase().includes(query.toLowerCase());
}
