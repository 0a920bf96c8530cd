import { describe, expect, it } from 'vitest';
import { assignableRoles, canEditFlux, hasRoleAtLeast, highestRole, isAdmin, isTenancyRole } from './roles';

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

  it('knows the tenancy roles, which reach only the tenancy pages', () => {
    expect(isTenancyRole(['tenant'])).toBe(true);
    expect(isTenancyRole(['project'])).toBe(true);
    for (const roles of [['admin'], ['viewer'], ['operator'], ['flux-reader'], []]) expect(isTenancyRole(roles)).toBe(false);
  });
});

describe('flux editing', () => {
  it('is for operators and admins', () => {
    expect(canEditFlux(['operator'])).toBe(true);
    expect(canEditFlux(['admin'])).toBe(true);
    expect(canEditFlux(['viewer'])).toBe(false);
    expect(canEditFlux(['flux-reader'])).toBe(false);
    expect(hasRoleAtLeast(['viewer', 'operator'], 'operator')).toBe(true);
    expect(hasRoleAtLeast(['operator'], 'admin')).toBe(false);
  });
});
