import { describe, expect, it } from 'vitest';
import type { JoinToken } from '../api/types';
import { buildJoinTokenBody, canRevoke, emptyJoinForm, tokenHistory } from './joinTokens';

const token = (over: Partial<JoinToken>): JoinToken => ({
  id: 't1',
  cluster: 'edge',
  state: 'active',
  server: 'https://edge.example.com:6443',
  environment: 'prod',
  displayName: 'edge',
  labels: {},
  authzMode: 'shared',
  createdBy: 'admin',
  createdAt: '2026-01-01T10:00:00Z',
  expiresAt: '2026-01-01T10:15:00Z',
  ...over,
});

describe('buildJoinTokenBody', () => {
  it('sends the server, environment, labels and the TTL in seconds', () => {
    const built = buildJoinTokenBody({
      ...emptyJoinForm(),
      name: 'edge',
      environment: 'prod',
      server: ' https://edge.example.com:6443 ',
      labels: [{ key: 'region', value: 'eu' }],
      ttlMinutes: '30',
    });
    expect(built.errors).toEqual([]);
    expect(built.value).toEqual({
      server: 'https://edge.example.com:6443',
      environment: 'prod',
      labels: { region: 'eu' },
      authzMode: 'shared',
      ttlSeconds: 1800,
    });
  });

  it('says what is missing or out of bounds', () => {
    expect(buildJoinTokenBody(emptyJoinForm()).errors).toEqual([
      'Give the cluster a name.',
      'Choose an environment.',
      'Give the apiserver URL Fleetdeck will use.',
    ]);
    const bad = buildJoinTokenBody({ ...emptyJoinForm(), name: 'x', environment: 'dev', server: 'edge:6443', ttlMinutes: '1441' });
    expect(bad.errors).toEqual(['The apiserver URL must start with https://.', 'The token lives 1 to 1440 minutes.']);
    expect(buildJoinTokenBody({ ...emptyJoinForm(), name: 'x', environment: 'dev', server: 'https://a', ttlMinutes: '1.5' }).errors).toHaveLength(1);
  });
});

describe('token lifecycle lines', () => {
  it('name who and when', () => {
    expect(tokenHistory(token({}))).toBe('works until 2026-01-01T10:15:00Z');
    expect(tokenHistory(token({ state: 'used', usedBy: 'edge', usedAt: '2026-01-01T10:05:00Z' }))).toBe('used by edge at 2026-01-01T10:05:00Z');
    expect(tokenHistory(token({ state: 'revoked', revokedBy: 'ann', revokedAt: '2026-01-01T10:06:00Z' }))).toBe('revoked by ann at 2026-01-01T10:06:00Z');
    expect(tokenHistory(token({ state: 'expired' }))).toBe('expired at 2026-01-01T10:15:00Z');
  });

  it('offer revoking only while active', () => {
    expect(canRevoke(token({}))).toBe(true);
    expect(canRevoke(token({ state: 'used' }))).toBe(false);
    expect(canRevoke(token({ state: 'expired' }))).toBe(false);
  });
});
