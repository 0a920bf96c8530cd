// The join-a-cluster dialog: what it sends, and how it shows a token's lifecycle.
import type { AuthzMode, CreateJoinTokenRequest, JoinToken, JoinTokenState } from '../api/types';
import { stringRowsToObject, type KeyValueRow, type Parsed } from './keyValue';

export interface JoinForm {
  name: string;
  displayName: string;
  environment: string;
  /** The apiserver URL as the Fleetdeck server reaches it. */
  server: string;
  labels: KeyValueRow[];
  authzMode: AuthzMode;
  /** How long the token works, in minutes (the server takes 1 to 1440). */
  ttlMinutes: string;
}

export const emptyJoinForm = (): JoinForm => ({
  name: '',
  displayName: '',
  environment: '',
  server: '',
  labels: [],
  authzMode: 'shared',
  ttlMinutes: '15',
});

/** The POST /api/clusters/{name}/join-token body; the problems to fix before sending. */
export function buildJoinTokenBody(form: JoinForm): Parsed<CreateJoinTokenRequest> {
  const errors: string[] = [];
  if (form.name.trim() === '') errors.push('Give the cluster a name.');
  if (form.environment === '') errors.push('Choose an environment.');
  const server = form.server.trim();
  if (server === '') errors.push('Give the apiserver URL Fleetdeck will use.');
  else if (!/^https?:\/\//i.test(server)) errors.push('The apiserver URL must start with https://.');
  const minutes = Number(form.ttlMinutes.trim());
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) errors.push('The token lives 1 to 1440 minutes.');
  const labels = stringRowsToObject(form.labels);
  errors.push(...labels.errors.map((e) => `Labels: ${e}`));
  const displayName = form.displayName.trim();
  return {
    value: {
      server,
      environment: form.environment,
      ...(displayName !== '' ? { displayName } : {}),
      ...(Object.keys(labels.value).length > 0 ? { labels: labels.value } : {}),
      authzMode: form.authzMode,
      ttlSeconds: minutes * 60,
    },
    errors,
  };
}

export const TOKEN_STATE_TONES: Record<JoinTokenState, 'good' | 'neutral' | 'warn' | 'bad'> = {
  active: 'good',
  used: 'neutral',
  expired: 'warn',
  revoked: 'bad',
};

/** What happened to a token, and who did it: one line for the list. */
export function tokenHistory(token: JoinToken): string {
  switch (token.state) {
    case 'used':
      return `used by ${token.usedBy ?? 'a cluster'} at ${token.usedAt ?? '?'}`;
    case 'revoked':
      return `revoked by ${token.revokedBy ?? '?'} at ${token.revokedAt ?? '?'}`;
    case 'expired':
      return `expired at ${token.expiresAt}`;
    case 'active':
      return `works until ${token.expiresAt}`;
  }
}

/** Only an active token can be revoked (revoking the others changes nothing). */
export const canRevoke = (token: JoinToken) => token.state === 'active';
