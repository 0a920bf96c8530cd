import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, Navigate, useLocation, useSearchParams } from 'react-router';
import { login, oidcLoginUrl, paths } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { AuthConfig, LoginRequest } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { redirectTarget } from '../lib/redirect';

type LoginMethod = 'token' | 'password';
const METHOD_LABELS: Record<LoginMethod, string> = { token: 'Token', password: 'Username & password' };

export function LoginPage() {
  const { state, signedIn } = useAuth();
  const location = useLocation();
  // A failed OIDC sign-in comes back as /login?error=CODE.
  const [search] = useSearchParams();
  const oidcError = search.get('error');
  const config = useQuery(apiQuery<AuthConfig>(paths.authConfig));
  const [chosen, setChosen] = useState<LoginMethod | null>(null);
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [waitSeconds, setWaitSeconds] = useState(0);
  const signIn = useMutation({
    mutationFn: login,
    onSuccess: signedIn,
    onError: (err) => {
      setPassword('');
      if (err.status === 429) setWaitSeconds(err.retryAfter ?? 0);
    },
  });
  const { error } = signIn;

  useEffect(() => {
    if (waitSeconds <= 0) return;
    const timer = setTimeout(() => setWaitSeconds((s) => s - 1), 1000);
    return () => clearTimeout(timer);
  }, [waitSeconds]);

  if (state.status === 'signedIn') return <Navigate to={redirectTarget(location.state)} replace />;

  const methods = (config.data?.methods ?? []).filter((m): m is LoginMethod => m === 'token' || m === 'password');
  const method = chosen !== null && methods.includes(chosen) ? chosen : methods[0];

  function submit(event: FormEvent) {
    event.preventDefault();
    const body: LoginRequest = method === 'token' ? { token: token.trim() } : { username: username.trim(), password };
    signIn.mutate(body);
  }

  const rateLimited = error?.status === 429;

  return (
    <div className="login-page">
      <div className="login-box panel">
        <h1>Fleetdeck</h1>
        <p className="muted">Sign in to the fleet console.</p>
        {config.isLoading ? <Loading /> : null}
        {config.error ? <ErrorPanel error={config.error} title="Cannot load sign-in options" onRetry={() => void config.refetch()} /> : null}
        {config.data?.proxy ? (
          <p className="notice">
            Sign-in goes through the proxy in front of Fleetdeck. If you see this page, it did not name you, or none of
            your groups has a Fleetdeck role: ask your admin.
          </p>
        ) : null}
        {oidcError ? (
          <p className="notice" role="alert">
            Sign-in with your identity provider failed: <code>{oidcError}</code>
          </p>
        ) : null}
        {config.data?.providers.length ? (
          <div className="login-providers">
            {config.data.providers.map((p) =>
              p.available ? (
                <a key={p.id} className="button-link primary" href={oidcLoginUrl(p.id, redirectTarget(location.state))}>
                  Sign in with {p.name}
                </a>
              ) : (
                <button key={p.id} type="button" disabled title="The provider cannot be reached yet">
                  {p.name} (unavailable)
                </button>
              ),
            )}
          </div>
        ) : null}
        {config.data && methods.length === 0 ? (
          <p className="notice">This server offers no sign-in method the console supports.</p>
        ) : null}
        {method ? (
          <>
            {methods.length > 1 ? (
              <div className="tabs" role="tablist">
                {methods.map((m) => (
                  <button
                    key={m}
                    type="button"
                    role="tab"
                    aria-selected={m === method}
                    className={m === method ? 'tab active' : 'tab'}
                    onClick={() => setChosen(m)}
                  >
                    {METHOD_LABELS[m]}
                  </button>
                ))}
              </div>
            ) : null}
            <form onSubmit={submit} className="form-grid" aria-label="Sign in">
              {method === 'token' ? (
                <label>
                  Token
                  <input
                    type="password"
                    autoComplete="off"
                    required
                    autoFocus
                    value={token}
                    onChange={(e) => setToken(e.target.value)}
                  />
                </label>
              ) : (
                <>
                  <label>
                    Username
                    <input
                      autoComplete="username"
                      required
                      autoFocus
                      value={username}
                      onChange={(e) => setUsername(e.target.value)}
                    />
                  </label>
                  <label>
                    Password
                    <input
                      type="password"
                      autoComplete="current-password"
                      required
                      value={password}
                      onChange={(e) => setPassword(e.target.value)}
                    />
                  </label>
                </>
              )}
              {error ? (
                <ErrorPanel
                  error={error}
                  title={error.code === 'invalid_credentials' ? 'Invalid credentials' : error.status === 429 ? undefined : 'Sign-in failed'}
                  retryAfter={rateLimited ? waitSeconds : undefined}
                />
              ) : null}
              <button type="submit" className="primary" disabled={signIn.isPending || waitSeconds > 0}>
                {signIn.isPending ? 'Signing in…' : 'Sign in'}
              </button>
            </form>
          </>
        ) : null}
        {config.data?.registration ? (
          <p className="muted">
            No account yet? <Link to="/register">Create account</Link>
          </p>
        ) : null}
      </div>
    </div>
  );
}
