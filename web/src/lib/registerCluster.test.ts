import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import {
  buildConnectionUpdate,
  buildRegisterBody,
  connectionErrorHints,
  connectionFailure,
  connectionFromConfig,
  emptyRegisterForm,
} from './registerCluster';

describe('register body', () => {
  it('sends a kubeconfig with the metadata', () => {
    const form = {
      ...emptyRegisterForm(),
      name: ' prod-1 ',
      displayName: 'Prod 1',
      environment: 'prod',
      dns: '',
      labels: [{ key: 'region', value: 'eu' }],
      kubeconfig: 'apiVersion: v1\n',
      server: 'https://ignored',
      token: 'ignored',
    };
    expect(buildRegisterBody(form)).toEqual({
      value: {
        name: 'prod-1',
        displayName: 'Prod 1',
        environment: 'prod',
        labels: { region: 'eu' },
        kubeconfig: 'apiVersion: v1\n',
        authzMode: 'shared',
      },
      errors: [],
    });
  });

  it('sends server and token, the CA without whitespace', () => {
    const form = {
      ...emptyRegisterForm(),
      mode: 'token' as const,
      name: 'a',
      environment: 'dev',
      dns: 'a.example.com',
      server: ' https://127.0.0.1:6443 ',
      token: ' abc ',
      certificateAuthorityData: 'AAA\nBBB',
      insecureSkipTlsVerify: true,
      authzMode: 'impersonate' as const,
      kubeconfig: 'ignored',
    };
    expect(buildRegisterBody(form).value).toEqual({
      name: 'a',
      dns: 'a.example.com',
      environment: 'dev',
      server: 'https://127.0.0.1:6443',
      token: 'abc',
      certificateAuthorityData: 'AAABBB',
      insecureSkipTlsVerify: true,
      authzMode: 'impersonate',
    });
  });

  it('lists what is missing', () => {
    expect(buildRegisterBody(emptyRegisterForm()).errors).toEqual([
      'Give the cluster a name.',
      'Paste a kubeconfig or choose a file.',
      'Choose an environment.',
    ]);
    const token = buildConnectionUpdate({ ...emptyRegisterForm(), mode: 'token', server: 'http://x' });
    expect(token.errors).toEqual(['The apiserver URL must start with https://.', 'Give a bearer token.']);
  });

  it('explains connection errors', () => {
    const failed = new ApiError({ status: 422, code: 'connection_failed', message: 'x', details: { reason: 'unreachable' } });
    expect(connectionFailure(failed)?.reason).toBe('unreachable');
    expect(connectionFailure(failed)?.explanation).toMatch(/cannot be reached/);
    expect(connectionFailure(new ApiError({ status: 422, code: 'connection_failed', message: 'x' }))?.reason).toBe('unknown');
    expect(connectionFailure(new ApiError({ status: 409, code: 'conflict', message: 'x' }))).toBeNull();
    expect(connectionFailure(undefined)).toBeNull();
    expect(connectionErrorHints(new ApiError({ status: 422, code: 'secret_key_required', message: 'x' }))[0]).toMatch(/FLEETDECK_SECRET_KEY/);
    expect(connectionErrorHints(new ApiError({ status: 500, code: 'internal', message: 'x' }))).toEqual([]);
  });

  it('knows config-managed connections', () => {
    expect(connectionFromConfig('kubeconfig')).toBe(true);
    expect(connectionFromConfig('in-cluster')).toBe(true);
    expect(connectionFromConfig('registered')).toBe(false);
    expect(connectionFromConfig('metadata-only')).toBe(false);
  });
});
