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

/**
 * How long ago `iso` was, as kubectl prints ages (coarser as they grow): `45s`, `12m`, `5h`,
 * `3d`, `2y`; '—' when absent, `0s` for a time ahead of the clock.
 */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (seconds < 120) return `${seconds}s`;
  if (hours < 3) return `${minutes}m`;
  if (hours < 48) return `${hours}h`;
  if (days < 730) return `${days}d`;
  return `${Math.floor(days / 365)}y`;
}
