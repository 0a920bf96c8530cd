const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An RFC 3339 UTC timestamp without fractional seconds, e.g. 2025-01-31T12:00:00Z. */
export function toRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `expiresAt` of something created at `now` that lasts `days` days; undefined for "never". */
export function expiresAtAfterDays(days: number | null, now: Date = new Date()): string | undefined {
  if (days === null) return undefined;
  return toRfc3339(new Date(now.getTime() + days * 24 * 60 * 60 * 1000));
}

/** A `<input type="datetime-local">` value (local time) as RFC 3339 UTC; '' when empty or invalid. */
export function datetimeLocalToRfc3339(local: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(local)) return '';
  const date = new Date(local); // a date-time without offset is read as local time
  return Number.isNaN(date.getTime()) ? '' : toRfc3339(date);
}

/** An RFC 3339 timestamp as a `<input type="datetime-local">` value in local time; '' when invalid. */
export function rfc3339ToDatetimeLocal(iso: string): string {
  const date = new Date(iso);
  if (iso === '' || Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A timestamp for tables: local time as YYYY-MM-DD HH:MM:SS; '—' when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
