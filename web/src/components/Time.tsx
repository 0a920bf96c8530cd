import { formatAge, formatTime } from '../lib/time';

/** A timestamp in local time, the RFC 3339 value on hover. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {formatTime(value)}
    </time>
  );
}

/** How long ago a timestamp was (as ages read: `5m`), the RFC 3339 value on hover; `now` ticks (useNow). */
export function Age({ value, now }: { value: string | null | undefined; now: number }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {formatAge(value, now)}
    </time>
  );
}
