import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link, useNavigate } from 'react-router';
import type { ResourceRow } from '../api/types';
import { rowKey, type CellLink, type ColumnDef } from '../lib/columns';
import type { SortOrder } from '../lib/listView';

const ROW_HEIGHT = 30;

interface ResourceTableProps {
  /** The table's accessible name ("Pods"). */
  label: string;
  rows: readonly ResourceRow[];
  columns: ColumnDef[];
  /** The row's own page. */
  rowHref: (row: ResourceRow) => string;
  /** The page of an object a cell names, or null when the cluster does not serve its kind. */
  linkHref: (link: CellLink) => string | null;
  now: number;
  /** The sorted column; without onSort the headers do not sort. */
  sort?: { id: string; order: SortOrder };
  onSort?: (id: string) => void;
  /** Widths the operator dragged, by column id. */
  widths?: Record<string, number>;
  onResize?: (id: string, width: number) => void;
  /** CSS height of the scrolling body: only the rows it shows are in the page. */
  height: string;
  /** The content of a last cell per row (its actions button). */
  rowActions?: (row: ResourceRow) => ReactNode;
}

const ACTIONS_WIDTH = 36;

/**
 * A table of rows, virtualized (only the rows in view are rendered, so 10,000 scroll smoothly),
 * with sortable, resizable columns and keyboard navigation: arrows, Page Up/Down, Home/End move
 * the current row, Enter opens it.
 */
export function ResourceTable({ label, rows, columns, rowHref, linkHref, now, sort, onSort, widths = {}, onResize, height, rowActions }: ResourceTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const [active, setActive] = useState(-1);
  // The React Compiler is not used here, so its warning about memoizing the virtualizer does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 15,
  });
  const actionsWidth = rowActions ? ACTIONS_WIDTH : 0;
  const template = [...columns.map((c) => `${widths[c.id] ?? c.width}px`), ...(rowActions ? [`${ACTIONS_WIDTH}px`] : [])].join(' ');
  const totalWidth = columns.reduce((sum, c) => sum + (widths[c.id] ?? c.width), actionsWidth);
  const current = active < rows.length ? active : rows.length - 1;
  const rowId = (index: number) => `${label.replace(/\W+/g, '-')}-row-${index}`;

  function moveTo(index: number) {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (rows.length === 0 || event.target !== event.currentTarget) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page, PageUp: current - page, Home: 0, End: rows.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      moveTo(moves[event.key]);
    } else if (event.key === 'Enter' && current >= 0) {
      event.preventDefault();
      void navigate(rowHref(rows[current]));
    }
  }

  return (
    <div
      className="vtable"
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      aria-activedescendant={current >= 0 ? rowId(current) : undefined}
      tabIndex={0}
      ref={scroller}
      style={{ height }}
      onKeyDown={onKeyDown}
      data-testid="resource-table"
    >
      <div className="vtable-head" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, width: totalWidth }}>
        {columns.map((column) => (
          <HeaderCell key={column.id} column={column} sort={sort} onSort={onSort} width={widths[column.id] ?? column.width} onResize={onResize} />
        ))}
        {rowActions ? <div role="columnheader" className="vtable-cell" aria-label="Actions" /> : null}
      </div>
      <div className="vtable-body" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          return (
            <div
              key={rowKey(row)}
              id={rowId(item.index)}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={item.index === current}
              className={item.index === current ? 'vtable-row active' : 'vtable-row'}
              style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              onClick={() => setActive(item.index)}
              data-testid="resource-row"
              data-name={row.name}
              data-namespace={row.namespace ?? ''}
            >
              {columns.map((column) => (
                <Cell key={column.id} column={column} row={row} now={now} rowHref={rowHref} linkHref={linkHref} />
              ))}
              {rowActions ? (
                <div role="gridcell" className="vtable-cell row-actions" data-col="actions">
                  {rowActions(row)}
                </div>
              ) : null}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function HeaderCell({
  column,
  sort,
  onSort,
  width,
  onResize,
}: {
  column: ColumnDef;
  sort?: { id: string; order: SortOrder };
  onSort?: (id: string) => void;
  width: number;
  onResize?: (id: string, width: number) => void;
}) {
  const sorted = sort?.id === column.id ? sort.order : null;
  const ariaSort = sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none';

  // Dragging the header's right edge sets the column's width (at least 40 px).
  function startResize(event: React.PointerEvent<HTMLSpanElement>) {
    if (!onResize) return;
    event.preventDefault();
    const startX = event.clientX;
    const move = (e: PointerEvent) => onResize(column.id, Math.max(40, Math.round(width + e.clientX - startX)));
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  return (
    <div role="columnheader" aria-sort={onSort ? ariaSort : undefined} className={column.align === 'right' ? 'vtable-cell right' : 'vtable-cell'} data-col={column.id}>
      {onSort ? (
        <button type="button" className="sort-button" onClick={() => onSort(column.id)}>
          {column.header}
          <span className="sort-mark" aria-hidden="true">
            {sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}
          </span>
        </button>
      ) : (
        column.header
      )}
      {onResize ? <span className="col-resizer" role="separator" aria-orientation="vertical" aria-label={`Resize ${column.header}`} onPointerDown={startResize} /> : null}
    </div>
  );
}

function Cell({
  column,
  row,
  now,
  rowHref,
  linkHref,
}: {
  column: ColumnDef;
  row: ResourceRow;
  now: number;
  rowHref: (row: ResourceRow) => string;
  linkHref: (link: CellLink) => string | null;
}) {
  const text = column.text(row, now);
  const tone = column.tone?.(row);
  const link = column.link?.(row) ?? null;
  const href = link === 'self' ? rowHref(row) : link ? linkHref(link) : null;
  const className = ['vtable-cell', column.align === 'right' ? 'right' : '', tone && tone !== 'neutral' ? `text-${tone}` : ''].filter(Boolean).join(' ');
  return (
    <div role="gridcell" className={className} title={column.title?.(row) ?? text} data-col={column.id}>
      {href ? (
        <Link to={href} tabIndex={-1}>
          {text}
        </Link>
      ) : (
        text
      )}
    </div>
  );
}
