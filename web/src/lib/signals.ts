// The SLO and rightsizing pages' pure parts: filters in the URL, API paths, units and the
// burn-rate chart's geometry.
import { paths } from '../api/endpoints';
import type { ContainerResources, RightsizingVerdict, SloStatus, WorkloadRightsizing } from '../api/types';

export const SLO_ROUTE = '/slo';
export const RIGHTSIZING_ROUTE = '/rightsizing';
/** The server recomputes SLOs every 5 minutes and rightsizing hourly; the pages ask every minute. */
export const SIGNALS_REFRESH_MS = 60_000;

export const SLO_STATUSES = ['page', 'ticket', 'ok', 'no_data'] as const satisfies readonly SloStatus[];

export interface SloFilters {
  cluster: string;
  namespace: string;
  status: SloStatus | '';
}

export const EMPTY_SLO_FILTERS: SloFilters = { cluster: '', namespace: '', status: '' };

export interface RightsizingFilters {
  cluster: string;
  namespace: string;
}

export const EMPTY_RIGHTSIZING_FILTERS: RightsizingFilters = { cluster: '', namespace: '' };

function isSloStatus(v: string): v is SloStatus {
  return (SLO_STATUSES as readonly string[]).includes(v);
}

export function sloFiltersFromSearch(search: URLSearchParams): SloFilters {
  const status = search.get('status') ?? '';
  return { cluster: search.get('cluster') ?? '', namespace: search.get('namespace') ?? '', status: isSloStatus(status) ? status : '' };
}

export function rightsizingFiltersFromSearch(search: URLSearchParams): RightsizingFilters {
  return { cluster: search.get('cluster') ?? '', namespace: search.get('namespace') ?? '' };
}

/** The filters that are set, as a query string (without '?'); for the URL and the API alike. */
export function filtersQuery(filters: object): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    const v = String(value).trim();
    if (v) params.set(name, v);
  }
  return params.toString();
}

const withQuery = (path: string, filters: object) => {
  const q = filtersQuery(filters);
  return q ? `${path}?${q}` : path;
};

export const sloApiPath = (filters: SloFilters) => withQuery(paths.slo, filters);
export const rightsizingApiPath = (filters: RightsizingFilters) => withQuery(paths.rightsizing, filters);

/** A workload's key in a list: cluster/namespace/kind/name. */
export function workloadKey(w: { cluster: string; namespace: string; kind: string; name: string }): string {
  return `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`;
}

/** "99.95 %" with as many decimals as needed, at most 4. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined) return '—';
  return `${Number((fraction * 100).toFixed(4))} %`;
}

/** A burn rate: "×14.4", "×0.02"; none: "—". */
export function formatBurn(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—';
  return `×${rate >= 10 ? rate.toFixed(1) : Number(rate.toPrecision(2))}`;
}

/** Millicores as Kubernetes writes them: "250m", "2" (whole cores); none: "—". */
export function formatCpu(millicores: number | null | undefined): string {
  if (millicores === null || millicores === undefined) return '—';
  return millicores % 1000 === 0 ? `${millicores / 1000}` : `${millicores}m`;
}

const MI = 1024 * 1024;

/** Bytes as a quantity: "230Mi", "1Gi", else "1.5Gi" / bytes; none: "—". */
export function formatMemory(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes % (1024 * MI) === 0) return `${bytes / (1024 * MI)}Gi`;
  if (bytes % MI === 0) return `${bytes / MI}Mi`;
  if (bytes >= 1024 * MI) return `${(bytes / (1024 * MI)).toFixed(2)}Gi`;
  return `${(bytes / MI).toFixed(1)}Mi`;
}

/**
 * A `set_resources` proposal's containers from a workload's recommendations: each container with
 * something recommended, with only what is (exact quantities: "250m", "148Mi" or bytes).
 */
export function recommendedResources(w: WorkloadRightsizing): ContainerResources[] {
  const memory = (bytes: number) => (bytes % MI === 0 ? `${bytes / MI}Mi` : `${bytes}`);
  return w.containers.flatMap(({ container, recommended: r }) => {
    const set: ContainerResources = { container };
    if (r.cpuRequest !== null && r.cpuRequest !== undefined) set.cpuRequest = `${r.cpuRequest}m`;
    if (r.memoryRequest !== null && r.memoryRequest !== undefined) set.memoryRequest = memory(r.memoryRequest);
    if (r.memoryLimit !== null && r.memoryLimit !== undefined) set.memoryLimit = memory(r.memoryLimit);
    return Object.keys(set).length > 1 ? [set] : [];
  });
}

/** A span in seconds, its two largest units: "7d", "1d 4h", "28m 30s", "0s". */
export function formatSpan(seconds: number): string {
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 && parts.length < 2) parts.push(`${n}${unit}`);
    else if (parts.length > 0) break;
  }
  return parts.length ? parts.join(' ') : '0s';
}

/** Money per month: "$12.34", "−$1.20". */
export function formatMoney(amount: number): string {
  const abs = Math.abs(amount).toFixed(2);
  return amount < 0 && abs !== '0.00' ? `−$${abs}` : `$${abs}`;
}

export const VERDICT_LABELS: Record<RightsizingVerdict, string> = {
  recommended: 'recommended',
  insufficient_history: 'not enough history',
  autoscaled: 'scaled by an HPA',
  no_usage: 'no usage sampled',
};

/** One bar of the burn-rate chart: its window, height in 0–100 of the chart and whether it is past `threshold`. */
export interface BurnBar {
  window: string;
  rate: number | null;
  heightPercent: number;
}

/**
 * The burn-rate chart on a log scale from 0.1 to the chart's top (at least 100, else the highest
 * rate): a rate of 1 spends the budget in exactly the period; the rules' thresholds are lines.
 */
export function burnChart(rates: readonly { window: string; burnRate?: number | null }[]): { bars: BurnBar[]; top: number; y: (rate: number) => number } {
  const highest = Math.max(0, ...rates.map((r) => r.burnRate ?? 0));
  const top = Math.max(100, highest);
  const floor = 0.1;
  const y = (rate: number) => {
    if (rate <= floor) return 0;
    return Math.min(100, (Math.log10(rate / floor) / Math.log10(top / floor)) * 100);
  };
  return { bars: rates.map((r) => ({ window: r.window, rate: r.burnRate ?? null, heightPercent: r.burnRate == null ? 0 : y(r.burnRate) })), top, y };
}
