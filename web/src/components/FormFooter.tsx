import type { ApiError } from '../api/client';
import { ErrorPanel } from './ErrorPanel';

/** A form's last lines: what it refused before sending, what the server refused, Save and Cancel. */
export function FormFooter({ problem, error, saving, saveLabel, onCancel }: { problem: string | null; error: ApiError | null; saving: boolean; saveLabel: string; onCancel: () => void }) {
  return (
    <>
      {problem ? (
        <p className="form-problems" role="alert">
          {problem}
        </p>
      ) : null}
      {error ? <ErrorPanel error={error} title="Save failed" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : saveLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
