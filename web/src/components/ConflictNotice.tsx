import type { FieldConflict } from '../lib/conflicts';

/** An apply's conflicts with other field managers, each field and its manager, with "Force" (and "Take theirs" where there is a live object to go back to). */
export function ConflictNotice({ title, conflicts, busy, onForce, onTakeTheirs }: { title: string; conflicts: FieldConflict[]; busy: boolean; onForce: () => void; onTakeTheirs?: () => void }) {
  return (
    <div className="notice" role="alert" data-testid="conflicts">
      <p>
        <strong>{title}</strong>
      </p>
      <ul>
        {conflicts.map((c) => (
          <li key={c.field} data-field={c.field}>
            <code>{c.field}</code> <span className="muted">{c.manager}</span>
          </li>
        ))}
      </ul>
      <div className="form-row">
        <button type="button" className="danger" disabled={busy} onClick={onForce}>
          Force
        </button>
        {onTakeTheirs ? (
          <button type="button" onClick={onTakeTheirs}>
            Take theirs
          </button>
        ) : null}
      </div>
    </div>
  );
}
