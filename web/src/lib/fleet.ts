// The fleet page's pure logic: status colours, the rollup line, filters and hot signals.
import type { ClusterStatus, FleetEntry, HotSignals, Rollup } from '../api/types';

export type Tone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

/** Every status, in the order the rollup and the status filter show them. */
export const CLUSTER_STATUSES = ['healthy', 'degraded', 'unreachable', 'denied', 'unknown'] as const satisfies readonly ClusterStatus[];

/** The badge colour of a cluster status (anything unknown is neutral). */
export function statusTone(status: string): Tone {
  switch (status) {
    case 'healthy':
      return 'good';
    case 'degraded':
    case 'denied':
      return 'warn';
    case 'unreachable':
      return 'bad';
    default:
      return 'neutral';
  }
}

/** The rollup's status counts as [status, count], known statuses first in their order, zeros left out. */
export function statusCounts(rollup: Pick<Rollup, 'byStatus'>): [string, number][] {
  const known = CLUSTER_STATUSES.filter((s) => (rollup.byStatus[s] ?? 0) > 0).map((s): [string, number] => [s, rollup.byStatus[s]]);
  const others = Object.entries(rollup.byStatus)
    .filter(([s, n]) => !(CLUSTER_STATUSES as readonly string[]).includes(s) && n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  return [...known, ...others];
}

/** The environments of the rollup as [environment, count], sorted by name. */
export function environmentCounts(rollup: Pick<Rollup, 'byEnvironment'>): [string, number][] {
  return Object.entries(rollup.byEnvironment).sort(([a], [b]) => a.localeCompare(b));
}

/** "3 clusters", "1 cluster". */
export function clusterCount(n: number): string {
  return `${n} ${n === 1 ? 'cluster' : 'clusters'}`;
}

export interface FleetFilter {
  /** Empty: every environment. */
  environments: readonly string[];
  /** null: every status. */
  status: string | null;
}

export const NO_FILTER: FleetFilter = { environments: [], status: null };

/** The entries matching the filter, in their order. */
export function filterFleet<E extends Pick<FleetEntry, 'environment' | 'status'>>(items: readonly E[], filter: FleetFilter): E[] {
  return items.filter(
    (item) =>
      (filter.environments.length === 0 || filter.environments.includes(item.environment)) &&
      (filter.status === null || item.status === filter.status),
  );
}

/** The filter with `environment` switched on or off. */
export function toggleEnvironment(filter: FleetFilter, environment: string): FleetFilter {
  const environments = filter.environments.includes(environment)
    ? filter.environments.filter((e) => e !== environment)
    : [...filter.environments, environment];
  return { ...filter, environments };
}

export interface HotSignalChip {
  key: keyof HotSignals;
  label: string;
  count: number;
  /** bad: red, warn: amber. */
  tone: 'bad' | 'warn';
}

const HOT_SIGNALS: { key: keyof HotSignals; label: string; tone: 'bad' | 'warn' }[] = [
  { key: 'crashLoopBackOff', label: 'CrashLoopBackOff', tone: 'bad' },
  { key: 'oomKilled', label: 'OOMKilled', tone: 'bad' },
  { key: 'notReady', label: 'nodes NotReady', tone: 'bad' },
  { key: 'imagePullBackOff', label: 'ImagePullBackOff', tone: 'warn' },
];

/** The hot signals worth a chip: only those above zero. */
export function hotSignalChips(signals: HotSignals | null | undefined): HotSignalChip[] {
  if (!signals) return [];
  return HOT_SIGNALS.filter(({ key }) => (signals[key] ?? 0) > 0).map((s) => ({ ...s, count: signals[s.key] }));
}

/** What a fleet entry's error code means, for people. */
export function fleetErrorLabel(code: string): string {
  switch (code) {
    case 'denied':
      return 'access denied';
    case 'auth_failed':
      return 'authentication failed';
    case 'timeout':
      return 'timed out';
    case 'apiserver_unreachable':
      return 'apiserver unreachable';
    default:
      return 'error';
  }
}
