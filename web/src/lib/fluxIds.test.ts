import { describe, expect, it } from 'vitest';
import { isDns1123Label } from './fluxIds';

describe('DNS-1123 labels', () => {
  it('accepts labels', () => {
    for (const ok of ['a', 'cert-manager', 'x1', '0-9', 'a'.repeat(63)]) expect(isDns1123Label(ok)).toBe(true);
  });
  it('rejects others', () => {
    for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a'.repeat(64), 'é']) expect(isDns1123Label(bad)).toBe(false);
  });
});
