import { describe, expect, it } from 'vitest';
import { datetimeLocalToRfc3339, expiresAtAfterDays, formatAge, rfc3339ToDatetimeLocal, toRfc3339 } from './time';
import { redirectTarget } from './redirect';

describe('time', () => {
  it('writes RFC 3339 UTC without fractions', () => {
    expect(toRfc3339(new Date(Date.UTC(2025, 0, 31, 12, 0, 0, 123)))).toBe('2025-01-31T12:00:00Z');
  });

  it('computes API key expiry', () => {
    const now = new Date('2025-01-01T10:00:00Z');
    expect(expiresAtAfterDays(null, now)).toBeUndefined();
    expect(expiresAtAfterDays(30, now)).toBe('2025-01-31T10:00:00Z');
    expect(expiresAtAfterDays(365, now)).toBe('2026-01-01T10:00:00Z');
  });

  it('converts datetime-local values', () => {
    expect(datetimeLocalToRfc3339('')).toBe('');
    expect(datetimeLocalToRfc3339('not a date')).toBe('');
    const utc = datetimeLocalToRfc3339('2025-06-01T08:30');
    expect(utc).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(rfc3339ToDatetimeLocal(utc)).toBe('2025-06-01T08:30');
    expect(rfc3339ToDatetimeLocal('garbage')).toBe('');
  });
});

describe('redirectTarget', () => {
  it('returns to where the user came from, only inside the console', () => {
    expect(redirectTarget({ from: '/audit?actor=x' })).toBe('/audit?actor=x');
    expect(redirectTarget(null)).toBe('/');
    expect(redirectTarget({ from: 'https://evil.example/' })).toBe('/');
    expect(redirectTarget({ from: '//evil.example/' })).toBe('/');
    expect(redirectTarget({ from: '/login' })).toBe('/');
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();

  it('prints ages as kubectl does, coarser as they grow', () => {
    expect(formatAge(ago(0), now)).toBe('0s');
    expect(formatAge(ago(119), now)).toBe('119s');
    expect(formatAge(ago(125), now)).toBe('2m');
    expect(formatAge(ago(3 * 3600 - 1), now)).toBe('179m');
    expect(formatAge(ago(5 * 3600), now)).toBe('5h');
    expect(formatAge(ago(3 * 86400), now)).toBe('3d');
    expect(formatAge(ago(800 * 86400), now)).toBe('2y');
  });

  it('has a dash for no time and 0s for a time ahead of the clock', () => {
    expect(formatAge(null, now)).toBe('—');
    expect(formatAge('garbage', now)).toBe('—');
    expect(formatAge(ago(-30), now)).toBe('0s');
  });
});
