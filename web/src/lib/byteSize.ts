// The Flux ExternalService contract caps an inputs response at 900 KiB.

export const FLUX_INPUTS_LIMIT = 921_600;

/** Size of `text` encoded as UTF-8, in bytes. */
export function utf8ByteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** "1,234 B" below 1 KiB, else "12.3 KiB" / "1.50 MiB" (binary units, like the limit). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes.toLocaleString('en-US')} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

export type UsageLevel = 'ok' | 'warn' | 'over';

export interface LimitUsage {
  /** size / limit, not capped (1.2 = 20 % over). */
  fraction: number;
  /** For a bar: 0–100. */
  barPercent: number;
  level: UsageLevel;
}

/** How much of `limit` a body of `size` bytes uses; 'warn' from 80 %, 'over' past the limit. */
export function limitUsage(size: number, limit: number = FLUX_INPUTS_LIMIT): LimitUsage {
  const fraction = limit > 0 ? size / limit : Infinity;
  const level: UsageLevel = size > limit ? 'over' : fraction >= 0.8 ? 'warn' : 'ok';
  return { fraction, barPercent: Math.min(100, Math.max(0, fraction * 100)), level };
}
