import { describe, expect, it } from 'vitest';
import { normalizeCode, resetToken } from './accounts';

describe('resetToken', () => {
  it('reads the token from the fragment', () => {
    expect(resetToken('#token=abc_DEF-123')).toBe('abc_DEF-123');
    expect(resetToken('#other=1&token=xyz')).toBe('xyz');
  });
  it('is null without one', () => {
    expect(resetToken('')).toBeNull();
    expect(resetToken('#token=')).toBeNull();
    expect(resetToken('#tok=abc')).toBeNull();
  });
});

describe('normalizeCode', () => {
  it('drops spaces and dashes', () => {
    expect(normalizeCode(' 123 456 ')).toBe('123456');
    expect(normalizeCode('123-456')).toBe('123456');
  });
});
