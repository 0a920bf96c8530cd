import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { register, verifyRegistration } from '../api/endpoints';
import { MIN_PASSWORD_LENGTH } from '../components/ChangePasswordDialog';
import { ErrorPanel } from '../components/ErrorPanel';
import { Time } from '../components/Time';
import { normalizeCode } from '../lib/accounts';

/** Self-service sign-up: username, email and password, then the code the server mailed. */
export function RegisterPage() {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const signUp = useMutation({ mutationFn: register, onSuccess: () => setPassword('') });
  const verify = useMutation({ mutationFn: verifyRegistration });

  function submitSignUp(event: FormEvent) {
    event.preventDefault();
    signUp.mutate({ username: username.trim(), email: email.trim(), password });
  }

  function submitCode(event: FormEvent) {
    event.preventDefault();
    verify.mutate({ username: username.trim(), code: normalizeCode(code) });
  }

  function startOver() {
    signUp.reset();
    verify.reset();
    setCode('');
  }

  const codeSpent = verify.error?.code === 'too_many_attempts' || verify.error?.code === 'verification_expired';

  return (
    <div className="login-page">
      <div className="login-box panel">
        <h1>Fleetdeck</h1>
        <h2>Create an account</h2>
        {verify.isSuccess ? (
          <p className="notice" role="status">
            Account {verify.data.username} is ready. <Link to="/login">Sign in</Link>
          </p>
        ) : signUp.data ? (
          <form onSubmit={submitCode} className="form-grid" aria-label="Verify email">
            <p className="muted">
              We mailed a code to {email.trim()}. It works until <Time value={signUp.data.expiresAt} />.
            </p>
            <label>
              Code
              <input
                inputMode="numeric"
                autoComplete="one-time-code"
                required
                autoFocus
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            </label>
            {verify.error ? <ErrorPanel error={verify.error} title="Cannot verify the code" /> : null}
            {codeSpent ? (
              <button type="button" onClick={startOver}>
                Sign up again
              </button>
            ) : (
              <button type="submit" className="primary" disabled={verify.isPending}>
                {verify.isPending ? 'Checking…' : 'Create account'}
              </button>
            )}
          </form>
        ) : (
          <form onSubmit={submitSignUp} className="form-grid" aria-label="Sign up">
            <label>
              Username
              <input autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
            </label>
            <label>
              Email
              <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label>
              Password
              <input
                type="password"
                autoComplete="new-password"
                required
                minLength={MIN_PASSWORD_LENGTH}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            {signUp.error ? (
              <ErrorPanel
                error={signUp.error}
                title={signUp.error.code === 'registration_disabled' ? 'Registration is off' : 'Cannot sign up'}
              />
            ) : null}
            <button type="submit" className="primary" disabled={signUp.isPending}>
              {signUp.isPending ? 'Sending the code…' : 'Send me a code'}
            </button>
          </form>
        )}
        <p className="muted">
          <Link to="/login">Back to sign-in</Link>
        </p>
      </div>
    </div>
  );
}
