import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import type { LoginRedirectState } from '../lib/redirect';
import { isAdmin } from '../lib/roles';
import { useAuth, useCurrentUser } from './AuthContext';

/** Renders `children` for a signed-in user; otherwise sends them to /login, remembering where they were. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { state, refresh } = useAuth();
  const location = useLocation();

  switch (state.status) {
    case 'loading':
      return <Loading label="Checking your session…" fullPage />;
    case 'error':
      return (
        <div className="full-page">
          <ErrorPanel error={state.error} title="Cannot check your session" onRetry={refresh} />
        </div>
      );
    case 'anonymous': {
      const from = `${location.pathname}${location.search}${location.hash}`;
      return <Navigate to="/login" replace state={{ from } satisfies LoginRedirectState} />;
    }
    case 'signedIn':
      return children;
  }
}

/** Renders `children` only for admins. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const user = useCurrentUser();
  if (!isAdmin(user.roles)) {
    return (
      <div className="panel notice">
        <h2>Admins only</h2>
        <p>This page needs the admin role; you are signed in as {user.roles.join(', ') || 'no role'}.</p>
      </div>
    );
  }
  return children;
}
