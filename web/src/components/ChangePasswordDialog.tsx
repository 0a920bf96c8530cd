import { useEffect, useRef, useState, type FormEvent } from 'react';
import { changePassword } from '../api/endpoints';
import { useApiMutation } from '../hooks/useApiMutation';
import { ErrorPanel } from './ErrorPanel';

export const MIN_PASSWORD_LENGTH = 12;

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  // Changes no view: nothing goes stale but the audit log.
  const change = useApiMutation(changePassword, []);

  useEffect(() => {
    const el = dialog.current;
    el?.showModal();
    return () => el?.close();
  }, []);

  const mismatch = confirmation !== '' && confirmation !== newPassword;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    change.mutate({ currentPassword, newPassword });
  }

  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} aria-labelledby="change-password-title">
      <h2 id="change-password-title">Change password</h2>
      {change.isSuccess ? (
        <>
          <p>Your password was changed.</p>
          <div className="actions">
            <button type="button" className="primary" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} className="form-grid">
          <label>
            Current password
            <input
              type="password"
              autoComplete="current-password"
              required
              value={currentPassword}
              onChange={(e) => setCurrentPassword(e.target.value)}
            />
          </label>
          <label>
            New password
            <input
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              value={newPassword}
              onChange={(e) => setNewPassword(e.target.value)}
            />
          </label>
          <label>
            Repeat new password
            <input
              type="password"
              autoComplete="new-password"
              required
              value={confirmation}
              onChange={(e) => setConfirmation(e.target.value)}
              aria-invalid={mismatch}
            />
          </label>
          <p className="hint">At least {MIN_PASSWORD_LENGTH} characters.{mismatch ? ' The two new passwords differ.' : ''}</p>
          {change.error ? <ErrorPanel error={change.error} /> : null}
          <div className="actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={change.isPending || mismatch}>
              {change.isPending ? 'Saving…' : 'Change password'}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
