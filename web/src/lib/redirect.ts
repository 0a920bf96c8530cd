/** What RequireAuth leaves in the location state when it sends someone to /login. */
export interface LoginRedirectState {
  from?: string;
}

/** Where to go after signing in: the page the user came from when it is one of ours, else '/'. */
export function redirectTarget(state: unknown): string {
  const from = typeof state === 'object' && state !== null ? (state as LoginRedirectState).from : undefined;
  if (typeof from !== 'string' || !from.startsWith('/') || from.startsWith('//') || from.startsWith('/\\')) return '/';
  if (from === '/login' || from.startsWith('/login?') || from.startsWith('/login#')) return '/';
  return from;
}
