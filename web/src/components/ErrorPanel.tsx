import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';

interface ErrorPanelProps {
  error: ApiError;
  title?: string;
  onRetry?: () => void;
  /** Seconds left before a retry (a live countdown); defaults to the error's Retry-After. */
  retryAfter?: number;
  /** More explanation under the message (e.g. what the error's details mean). */
  children?: ReactNode;
}

/** An API error as the operator needs it: message, stable code and request id (for the audit log). */
export function ErrorPanel({ error, title, onRetry, retryAfter = error.retryAfter, children }: ErrorPanelProps) {
  return (
    <div className="error-panel" role="alert" data-testid="error-panel" data-code={error.code}>
      <div className="error-message">
        {title ? <strong>{title}: </strong> : null}
        {error.status === 429 && retryAfter !== undefined ? (
          <span className="retry-after">
            {retryAfter > 0 ? `Too many attempts — try again in ${retryAfter} s.` : 'Too many attempts — you can try again now.'}
          </span>
        ) : (
          error.message
        )}
      </div>
      {children}
      <div className="error-meta">
        <span>
          code <code>{error.code}</code>
        </span>
        {error.status > 0 ? <span>HTTP {error.status}</span> : null}
        {error.requestId ? (
          <span>
            request id <code className="selectable">{error.requestId}</code>
          </span>
        ) : null}
        {onRetry ? (
          <button type="button" className="link-button" onClick={onRetry}>
            Retry
          </button>
        ) : null}
      </div>
    </div>
  );
}
