import type { FindingSeverity } from '../api/types';
import { severityTone } from '../lib/findings';
import { statusTone } from '../lib/fleet';

/** A small coloured label: roles, outcomes, states. `tone` picks the colour. */
export function Badge({ children, tone = 'neutral' }: { children: string; tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info' }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const tone = outcome === 'success' ? 'good' : outcome === 'denied' ? 'warn' : outcome === 'failure' ? 'bad' : 'neutral';
  return <Badge tone={tone}>{outcome}</Badge>;
}

export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={role === 'admin' ? 'info' : 'neutral'}>{role}</Badge>;
}

export function ClusterStatusBadge({ status }: { status: string }) {
  return <Badge tone={statusTone(status)}>{status}</Badge>;
}

export function SeverityBadge({ severity }: { severity: FindingSeverity }) {
  return <Badge tone={severityTone(severity)}>{severity}</Badge>;
}
