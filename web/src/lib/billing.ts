// Billing: the month the page shows, the usage chart's daily series, quota bars (the entitlement's,
// a project's requests against its quota), the plan form's draft and which actions an order
// offers. Quantities and money stay the server's decimal strings; usage is summed exactly, in
// millionths (the server writes at most 6 places).
import type { EntitlementField, NamespaceNow, OrderStatus, PlanTerms, Quota, UsageLine } from '../api/types';
import { isDns1123Label } from './fluxIds';
import type { Checked } from './forms';
import { isAdmin } from './roles';
import { EMPTY_QUOTA_DRAFT, quotaInput } from './tenancy';
import { toRfc3339 } from './time';

export const BILLING_ROUTE = '/billing';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/** The month (`YYYY-MM`, UTC) the instant `now` (ms) is in. */
export function monthOf(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** A month's span: its first instant and the next month's (exclusive), RFC 3339 UTC. */
export function monthSpan(month: string): { from: string; to: string } {
  const [year, m] = month.split('-').map(Number);
  return { from: toRfc3339(new Date(Date.UTC(year, m - 1, 1))), to: toRfc3339(new Date(Date.UTC(year, m, 1))) };
}

/** Whether the month has ended at `now` (ms): only then can its invoice be issued. */
export function isMonthOver(month: string, now: number): boolean {
  return now >= Date.parse(monthSpan(month).to);
}

/** The month's days, `YYYY-MM-DD` (as usage by day names its periods). */
export function monthDays(month: string): string[] {
  const [year, m] = month.split('-').map(Number);
  const count = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

const MICROS = 1_000_000;

/** A decimal string (`12.5`, at most 6 places) in millionths; null when it is not one. */
export function parseMicros(text: string): number | null {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const micros = Number(whole) * MICROS + Number(fraction.padEnd(6, '0'));
  return sign ? -micros : micros;
}

/** Millionths as a decimal string without trailing zeros: `12.5`, `3`, `0.000001`. */
export function formatMicros(micros: number): string {
  const abs = Math.abs(micros);
  const fraction = String(abs % MICROS)
    .padStart(6, '0')
    .replace(/0+$/, '');
  const text = `${Math.floor(abs / MICROS)}${fraction ? `.${fraction}` : ''}`;
  return micros < 0 ? `-${text}` : text;
}

export interface UsageDay {
  period: string;
  micros: number;
  /** `micros` as a decimal string. */
  quantity: string;
}

/** One resource's usage on each day of a month. */
export interface UsageSeries {
  resource: string;
  unit: string;
  label: string;
  days: UsageDay[];
  total: string;
}

/** What Fleetdeck meters itself: always charted, first. */
const METERED = [
  { resource: 'cpu', unit: 'core-hours' },
  { resource: 'memory', unit: 'GiB-hours' },
];
const RESOURCE_NAMES: Record<string, string> = { cpu: 'CPU', memory: 'Memory' };

/**
 * The month's usage by day per resource and unit: metered CPU and memory first (even when
 * nothing was used), then each ingested resource by name. Lines of one day and resource are
 * summed (one per project, or per hour's source); days without usage are 0; lines outside the
 * month or without a decimal quantity are left out.
 */
export function usageSeries(lines: readonly UsageLine[], month: string): UsageSeries[] {
  const days = monthDays(month);
  const sums = new Map<string, { resource: string; unit: string; byDay: Map<string, number> }>();
  const sumsOf = (resource: string, unit: string) => {
    const key = JSON.stringify([resource, unit]);
    let entry = sums.get(key);
    if (!entry) {
      entry = { resource, unit, byDay: new Map() };
      sums.set(key, entry);
    }
    return entry;
  };
  for (const m of METERED) sumsOf(m.resource, m.unit);
  for (const line of lines) {
    const micros = parseMicros(line.quantity);
    if (!line.period || !days.includes(line.period) || micros === null) continue;
    const { byDay } = sumsOf(line.resource, line.unit);
    byDay.set(line.period, (byDay.get(line.period) ?? 0) + micros);
  }
  const metered = [...sums.values()].slice(0, METERED.length);
  const ingested = [...sums.values()].slice(METERED.length).sort((a, b) => a.resource.localeCompare(b.resource) || a.unit.localeCompare(b.unit));
  return [...metered, ...ingested].map(({ resource, unit, byDay }) => {
    const series = days.map((period) => ({ period, micros: byDay.get(period) ?? 0 }));
    return {
      resource,
      unit,
      label: `${RESOURCE_NAMES[resource] ?? resource} (${unit})`,
      days: series.map((d) => ({ ...d, quantity: formatMicros(d.micros) })),
      total: formatMicros(series.reduce((sum, d) => sum + d.micros, 0)),
    };
  });
}

/** Bar heights up to `height` in proportion to the largest value; any usage at all shows at least 1. */
export function barHeights(values: readonly number[], height: number): number[] {
  const top = Math.max(0, ...values);
  return values.map((v) => (top === 0 || v <= 0 ? 0 : Math.max(1, (v / top) * height)));
}

const QUANTITY_SUFFIXES: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`4`, `1500m`, `8Gi`, `20`) as a number; null when it is not one. */
export function parseQuantity(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(text.trim());
  return match ? Number(match[1]) * QUANTITY_SUFFIXES[match[2] ?? ''] : null;
}

export const QUOTA_FIELD_LABELS: Record<string, string> = {
  requestsCpu: 'CPU requests',
  requestsMemory: 'Memory requests',
  limitsCpu: 'CPU limits',
  limitsMemory: 'Memory limits',
  pods: 'Pods',
};

/** How an entitlement field reads as a bar: what is used of what is entitled. */
export interface QuotaBar {
  label: string;
  text: string;
  /** How full, 0–100; null: no bar (not limited, or not comparable). */
  percent: number | null;
  over: boolean;
}

/** How full `used` makes `limit`, 0–100 (a zero limit is full once anything is used). */
function fill(used: number, limit: number): number {
  return limit === 0 ? (used > 0 ? 100 : 0) : Math.min(100, (used / limit) * 100);
}

export function quotaBar(f: EntitlementField): QuotaBar {
  const label = QUOTA_FIELD_LABELS[f.field] ?? f.field;
  // None used: a project sets no limit, so the tenant asks for more than any entitlement.
  const used = f.used ?? 'no limit';
  if (f.entitled == null) return { label, text: `${used} · not limited`, percent: null, over: f.over };
  const text = `${used} of ${f.entitled}`;
  if (f.used == null) return { label, text, percent: 100, over: f.over };
  const [u, e] = [parseQuantity(f.used), parseQuantity(f.entitled)];
  if (u === null || e === null) return { label, text, percent: null, over: f.over };
  return { label, text, percent: fill(u, e), over: f.over };
}

/** Millicores as a quantity: whole cores when they are (`4`), else millicores (`1500m`). */
export function formatMillicores(m: number): string {
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Bytes as a quantity in the largest binary unit that holds them whole (`8Gi`, `1536Mi`), else bytes. */
export function formatBinaryBytes(b: number): string {
  for (const unit of ['Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const size = QUANTITY_SUFFIXES[unit];
    if (b > 0 && b % size === 0) return `${b / size}${unit}`;
  }
  return String(b);
}

/**
 * A project's requests now — its namespace as the cluster's last metering pass measured it —
 * against its quota's `requestsCpu` and `requestsMemory` (the ResourceQuota refuses pods beyond them).
 */
export function projectQuotaBars(quota: Quota, now: NamespaceNow): (QuotaBar & { key: string })[] {
  const bar = (key: 'requestsCpu' | 'requestsMemory', used: string) => {
    const label = QUOTA_FIELD_LABELS[key];
    const limit = quota[key];
    if (limit == null) return { key, label, text: `${used} · not limited`, percent: null, over: false };
    const [u, l] = [parseQuantity(used), parseQuantity(limit)];
    const text = `${used} of ${limit}`;
    return u === null || l === null ? { key, label, text, percent: null, over: false } : { key, label, text, percent: fill(u, l), over: u > l };
  };
  return [bar('requestsCpu', formatMillicores(now.cpuRequest)), bar('requestsMemory', formatBinaryBytes(now.memoryRequest))];
}

/** The plan form as typed. */
export type PlanDraft = {
  name: string;
  displayName: string;
  price: string;
  currency: string;
  periodDays: string;
  requestsCpu: string;
  requestsMemory: string;
  pods: string;
};
export const EMPTY_PLAN_DRAFT: PlanDraft = { name: '', displayName: '', price: '', currency: 'USD', periodDays: '30', requestsCpu: '', requestsMemory: '', pods: '' };

export const PERIOD_DAYS_MAX = 366;

/** The plan's terms from its form, or what is wrong (the server checks too; this is early feedback). */
export function planTerms(d: PlanDraft): Checked<PlanTerms> {
  const name = d.name.trim();
  if (!isDns1123Label(name)) return { error: 'The plan name must be lowercase letters, digits and "-" (a DNS-1123 label).' };
  const displayName = d.displayName.trim();
  if (displayName.length > 100) return { error: 'The display name is at most 100 characters.' };
  const price = d.price.trim();
  if (!/^\d+(\.\d{1,2})?$/.test(price) || Number(price) <= 0) return { error: 'The price must be above 0 with at most 2 decimal places, such as 19.90.' };
  const currency = d.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return { error: 'The currency must be an ISO 4217 code of three letters, such as USD.' };
  const period = d.periodDays.trim();
  const periodDays = Number(period);
  if (period && (!/^\d+$/.test(period) || periodDays < 1 || periodDays > PERIOD_DAYS_MAX)) {
    return { error: `The period must be a whole number of days from 1 to ${PERIOD_DAYS_MAX}.` };
  }
  const quota = quotaInput({ ...EMPTY_QUOTA_DRAFT, requestsCpu: d.requestsCpu, requestsMemory: d.requestsMemory, pods: d.pods });
  if ('error' in quota) return quota;
  return {
    input: { name, ...(displayName ? { displayName } : {}), price, currency, ...(period ? { periodDays } : {}), quota: quota.input },
  };
}

/** Who places orders and pays them: admins, and a tenant's own callers (staff and project keys only read). */
export function canOrder(roles: readonly string[]): boolean {
  return isAdmin(roles) || roles.includes('tenant');
}

/** `pay`: Stripe Checkout; `markPaid`: paid outside Stripe (admin); `cancel`. */
export type OrderAction = 'pay' | 'markPaid' | 'cancel';

/**
 * What `roles` may do to an order in `status`: those who order pay or cancel a pending one; an
 * admin also marks it paid by hand, and cancels a paid one (refunds are made in Stripe).
 */
export function orderActions(status: OrderStatus, roles: readonly string[]): OrderAction[] {
  if (!canOrder(roles)) return [];
  const admin = isAdmin(roles);
  switch (status) {
    case 'pending':
      return admin ? ['pay', 'markPaid', 'cancel'] : ['pay', 'cancel'];
    case 'paid':
      return admin ? ['cancel'] : [];
    case 'canceled':
      return [];
  }
}

/** What Stripe's return to `/billing?checkout=` means. */
export function checkoutNotice(outcome: string | null): string | null {
  if (outcome === 'success') return 'Payment received; the order is marked paid when Stripe confirms it.';
  if (outcome === 'canceled') return 'Checkout was canceled.';
  return null;
}
