import { useState } from 'react';
import { parseWidths, widthsStorageKey, type ColumnWidths } from '../lib/columnWidths';
import type { KindRef } from '../lib/kinds';

/** The column widths of `kind`'s table, saved in localStorage as they change. */
export function useColumnWidths(kind: KindRef): [ColumnWidths, (id: string, width: number) => void] {
  const key = widthsStorageKey(kind);
  const [changed, setChanged] = useState<{ key: string; widths: ColumnWidths } | null>(null);
  // Until a column of this kind is resized, what was saved for it.
  const widths = changed?.key === key ? changed.widths : parseWidths(localStorage.getItem(key));
  const resize = (id: string, width: number) => {
    const next = { ...widths, [id]: width };
    localStorage.setItem(key, JSON.stringify(next));
    setChanged({ key, widths: next });
  };
  return [widths, resize];
}
