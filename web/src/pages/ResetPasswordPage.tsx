import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { resetPassword } from '../api/endpoints';
import { MIN_PASSWORD_LENGTH } from '../components/ChangePasswordDialog';
import { ErrorPanel } from '../components/ErrorPanel';
import { resetToken } from '../lib/accounts';

const LINK_ERRORS: Record<string, string> = {
  reset_link_invalid: 'This link is not valid',
  reset_link_used: 'This link was used already',
  reset_link_expired: 'This link has expired',
};

/** Where a password reset link leads: the token is in the URL's fragment, which no server sees. */
export function ResetPasswordPage() {
  // Read once, then dropped from the address bar so it stays out of history and screenshots.
  const [token] = useState(() => {
    const t = resetToken(window.location.hash);
    if (t) window.history.replaceState(null, '', window.location.pathname);
    return t;
  });
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const reset = useMutation({ mutationFn: resetPassword });
  const mismatch = repeat !== '' && password !== repeat;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (token && !mismatch) reset.mutate({ token, password });
  }

  return (
    <div className="login-page">
      <div className="login-box panel">
        <h1>Fleetdeck</h1>
        <h2>Set a new password</h2>
        {!token ? (
          <p className="notice">This page needs the link an admin gave you; open that link as it is.</p>
        ) : reset.isSuccess ? (
          <p className="notice" role="status">
            Your password is set and your other sessions have ended. <Link to="/login">Sign in</Link>
          </p>
        ) : (
          <form onSubmit={submit} className="form-grid" aria-label="Set a new password">
            <label>
              New password
              <input
                type="password"
                autoComplete="new-password"
                required
                autoFocus
                minLength={MIN_PASSWORD_LENGTH}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <label>
              Repeat it
              <input
                type="password"
                autoComplete="new-password"
                required
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
              />
            </label>
            {mismatch ? <p className="hint">The two passwords differ.</p> : null}
            {reset.error ? (
              <ErrorPanel error={reset.error} title={LINK_ERRORS[reset.error.code] ?? 'Cannot set the password'} />
            ) : null}
            <button type="submit" className="primary" disabled={reset.isPending || mismatch}>
              {reset.isPending ? 'Saving…' : 'Set password'}
            </button>
          </form>
        )}
      </div>
    </div>
  );
}
