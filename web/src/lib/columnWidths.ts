// Column widths an operator dragged, kept per kind in localStorage.
import { kindId, type KindRef } from './kinds';

export type ColumnWidths = Record<string, number>;

export function widthsStorageKey(kind: KindRef): string {
  return `fleetdeck.columnWidths.${kindId(kind)}`;
}

/** Saved widths: whole pixels from 40 to 2000 by column id; anything else is dropped. */
export function parseWidths(saved: string | null): ColumnWidths {
  if (!saved) return {};
  let value: unknown;
  try {
    value = JSON.parse(saved);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isInteger(entry[1]) && entry[1] >= 40 && entry[1] <= 2000),
  );
}
