import type { FluxWarning } from '../api/types';
import { warningsMessage } from '../lib/fluxErrors';

/** The yellow notice after a write that succeeded with warnings (e.g. inputs now too large). */
export function WarningsNotice({
  warnings,
  dryRun = false,
  onDismiss,
}: {
  warnings: readonly FluxWarning[];
  /** The warnings of an import dry run: what would happen. */
  dryRun?: boolean;
  onDismiss?: () => void;
}) {
  const message = warningsMessage(warnings, dryRun);
  if (message === null) return null;
  return (
    <div className="warning-notice" role="status" data-testid="flux-warnings">
      <span>{message}</span>
      {onDismiss ? (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
