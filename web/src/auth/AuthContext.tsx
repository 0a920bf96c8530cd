import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ApiError, setUnauthorizedHandler, toApiError } from '../api/client';
import { fetchWhoami, logout } from '../api/endpoints';
import type { Whoami } from '../api/types';

export type AuthState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'anonymous' }
  | { status: 'signedIn'; user: Whoami };

interface AuthContextValue {
  state: AuthState;
  /** After a successful login: the whoami body the server answered. */
  signedIn: (user: Whoami) => void;
  signOut: () => Promise<void>;
  /** Asks the server again who we are. */
  refresh: () => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  useEffect(() => {
    const controller = new AbortController();
    fetchWhoami(controller.signal).then(
      (user) => setState({ status: 'signedIn', user }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const error = toApiError(err);
        setState(error.status === 401 ? { status: 'anonymous' } : { status: 'error', error });
      },
    );
    return () => controller.abort();
  }, [generation]);

  // Any 401 from the API: the session is over; RequireAuth then sends the user to /login.
  useEffect(() => {
    setUnauthorizedHandler(() => setState({ status: 'anonymous' }));
    return () => setUnauthorizedHandler(null);
  }, []);

  // Cached answers belong to the identity that fetched them: a new session starts with none.
  const signedIn = useCallback(
    (user: Whoami) => {
      queryClient.clear();
      setState({ status: 'signedIn', user });
    },
    [queryClient],
  );

  const signOut = useCallback(async () => {
    let endSessionUrl: string | null | undefined;
    try {
      endSessionUrl = (await logout())?.endSessionUrl;
    } catch {
      // Signed out locally all the same; the server drops the session when it expires.
    }
    // An OIDC session: sign out at the provider too (it sends the browser back here).
    if (endSessionUrl) {
      window.location.assign(endSessionUrl);
      return;
    }
    navigate('/login', { replace: true });
    setState({ status: 'anonymous' });
    queryClient.clear();
  }, [navigate, queryClient]);

  const refresh = useCallback(() => {
    setState({ status: 'loading' });
    setGeneration((g) => g + 1);
  }, []);

  const value = useMemo(() => ({ state, signedIn, signOut, refresh }), [state, signedIn, signOut, refresh]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (value === null) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in user; only for components under RequireAuth. */
export function useCurrentUser(): Whoami {
  const { state } = useAuth();
  if (state.status !== 'signedIn') throw new Error('useCurrentUser without a signed-in user');
  return state.user;
}
