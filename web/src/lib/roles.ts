import type { Role } from '../api/types';

/** Human roles from least to most privileged: viewer < operator < admin. */
export const ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];

/** A role of people; service roles (flux-reader) stand outside the order. */
export type HumanRole = (typeof ROLES)[number];

/** Position in the human order; -1 for service roles and anything unknown. */
export function roleRank(role: string): number {
  return (ROLES as readonly string[]).indexOf(role);
}

export function isHumanRole(role: string): role is HumanRole {
  return roleRank(role) >= 0;
}

/** The most privileged human role among `roles`, or null when there is none. */
export function highestRole(roles: readonly string[]): HumanRole | null {
  let best: HumanRole | null = null;
  for (const role of roles) {
    if (isHumanRole(role) && roleRank(role) > (best === null ? -1 : roleRank(best))) best = role;
  }
  return best;
}

/** The roles a user holding `roles` may hand out: those at or below their own. */
export function assignableRoles(roles: readonly string[]): HumanRole[] {
  const top = highestRole(roles);
  return top === null ? [] : ROLES.slice(0, roleRank(top) + 1);
}

export function isAdmin(roles: readonly string[]): boolean {
  return roles.includes('admin');
}

/**
 * Whether `roles` are a tenant's or a project's (a scoped key or session): the server lets those
 * reach only the tenancy surface (tenants, projects, apps, usage, invoices, plans, orders) and
 * answers 403 scope_forbids_route elsewhere, so the console offers them nothing else.
 */
export function isTenancyRole(roles: readonly string[]): boolean {
  return roles.includes('tenant') || roles.includes('project');
}

/** Whether `roles` include `role` or a human role above it. */
export function hasRoleAtLeast(roles: readonly string[], role: HumanRole): boolean {
  const top = highestRole(roles);
  return top !== null && roleRank(top) >= roleRank(role);
}

/** Operators and admins change the Flux catalog and cluster metadata; viewers only read. */
export function canEditFlux(roles: readonly string[]): boolean {
  return hasRoleAtLeast(roles, 'operator');
}
