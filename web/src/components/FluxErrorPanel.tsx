import type { ApiError } from '../api/client';
import { fluxErrorHints } from '../lib/fluxErrors';
import { ErrorPanel } from './ErrorPanel';

/** An ErrorPanel that also spells out the Flux catalog's error details (references, cycles, sizes). */
export function FluxErrorPanel({ error, title, onRetry }: { error: ApiError; title?: string; onRetry?: () => void }) {
  const hints = fluxErrorHints(error);
  return (
    <ErrorPanel error={error} title={title} onRetry={onRetry}>
      {hints.length > 0 ? (
        <ul className="error-hints" data-testid="error-hints">
          {hints.map((hint) => (
            <li key={hint}>{hint}</li>
          ))}
        </ul>
      ) : null}
    </ErrorPanel>
  );
}

/** Problems found in a form before sending it. */
export function FormProblems({ problems }: { problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="form-problems" role="alert" data-testid="form-problems">
      {problems.map((problem) => (
        <li key={problem}>{problem}</li>
      ))}
    </ul>
  );
}
