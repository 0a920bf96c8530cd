import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, parseRetryAfter, toApiError } from './client';

describe('errorFromResponse', () => {
  it('reads the error envelope', () => {
    const err = errorFromResponse(
      401,
      'Unauthorized',
      JSON.stringify({ error: 'invalid credentials', code: 'invalid_credentials', requestId: 'r-1', details: { a: 1 } }),
      new Headers(),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      message: 'invalid credentials',
      requestId: 'r-1',
      details: { a: 1 },
    });
  });

  it('takes Retry-After from a 429', () => {
    const err = errorFromResponse(
      429,
      'Too Many Requests',
      JSON.stringify({ error: 'slow down', code: 'rate_limited', requestId: 'r-2' }),
      new Headers({ 'Retry-After': '17' }),
    );
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfter).toBe(17);
  });

  it('falls back on status and X-Request-Id when the body is not the envelope', () => {
    const err = errorFromResponse(502, 'Bad Gateway', '<html>bad gateway</html>', new Headers({ 'X-Request-Id': 'r-3' }));
    expect(err).toMatchObject({ status: 502, code: 'http_502', message: 'Bad Gateway', requestId: 'r-3' });
    expect(errorFromResponse(500, '', '', new Headers()).message).toBe('HTTP 500');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 30 ')).toBe(30);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:45 GMT', now)).toBe(45);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('toApiError', () => {
  it('keeps ApiErrors and wraps anything else as a network error', () => {
    const api = new ApiError({ status: 404, code: 'not_found', message: 'gone' });
    expect(toApiError(api)).toBe(api);
    const wrapped = toApiError(new TypeError('Failed to fetch'));
    expect(wrapped).toMatchObject({ status: 0, code: 'network_error' });
    expect(wrapped.message).toContain('Failed to fetch');
  });
});
