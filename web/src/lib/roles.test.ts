import { describe, expect, it } from 'vitest';
import { assignableRoles, highestRole, isAdmin } from './roles';

describe('roles', () => {
  it('orders viewer < operator < admin', () => {
    expect(highestRole(['viewer', 'admin', 'operator'])).toBe('admin');
    expect(highestRole(['operator', 'tenant-owner'])).toBe('operator');
    expect(highestRole(['tenant-owner'])).toBeNull();
  });

  it('lets a user hand out only roles at or below their own', () => {
    expect(assignableRoles(['admin'])).toEqual(['viewer', 'operator', 'admin']);
    expect(assignableRoles(['operator'])).toEqual(['viewer', 'operator']);
    expect(assignableRoles(['viewer'])).toEqual(['viewer']);
    expect(assignableRoles([])).toEqual([]);
  });

  it('knows admins', () => {
    expect(isAdmin(['viewer', 'admin'])).toBe(true);
    expect(isAdmin(['operator'])).toBe(false);
  });
});
