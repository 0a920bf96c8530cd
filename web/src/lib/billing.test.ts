import { describe, expect, it } from 'vitest';
import type { UsageLine } from '../api/types';
import {
  barHeights,
  canOrder,
  checkoutNotice,
  EMPTY_PLAN_DRAFT,
  formatMicros,
  isMonth,
  isMonthOver,
  monthDays,
  monthOf,
  monthSpan,
  orderActions,
  parseMicros,
  parseQuantity,
  planTerms,
  quotaBar,
  projectQuotaBars,
  formatMillicores,
  formatBinaryBytes,
  usageSeries,
} from './billing';

describe('months', () => {
  it('knows YYYY-MM', () => {
    expect(isMonth('2026-05')).toBe(true);
    for (const text of ['2026-5', '2026-13', '2026-00', '26-05', '2026-05-01', '']) expect(isMonth(text)).toBe(false);
  });
  it('takes the month of an instant in UTC', () => {
    expect(monthOf(Date.parse('2026-05-31T23:59:59Z'))).toBe('2026-05');
    expect(monthOf(Date.parse('2026-06-01T00:00:00Z'))).toBe('2026-06');
  });
  it('spans a month up to the next one, across a year', () => {
    expect(monthSpan('2026-05')).toEqual({ from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' });
    expect(monthSpan('2026-12')).toEqual({ from: '2026-12-01T00:00:00Z', to: '2027-01-01T00:00:00Z' });
  });
  it('is over from the first instant of the next month', () => {
    expect(isMonthOver('2026-05', Date.parse('2026-05-31T23:59:59Z'))).toBe(false);
    expect(isMonthOver('2026-05', Date.parse('2026-06-01T00:00:00Z'))).toBe(true);
  });
  it('lists the days, leap years included', () => {
    expect(monthDays('2026-04')).toHaveLength(30);
    expect(monthDays('2028-02').at(-1)).toBe('2028-02-29');
    expect(monthDays('2026-02')[0]).toBe('2026-02-01');
  });
});

describe('decimals', () => {
  it('parses up to 6 places exactly', () => {
    expect(parseMicros('12.5')).toBe(12_500_000);
    expect(parseMicros('0.000001')).toBe(1);
    expect(parseMicros('3')).toBe(3_000_000);
    expect(parseMicros('-1.25')).toBe(-1_250_000);
    for (const text of ['', 'abc', '1.1234567', '1e3', '.5']) expect(parseMicros(text)).toBeNull();
  });
  it('writes them back without trailing zeros', () => {
    expect(formatMicros(12_500_000)).toBe('12.5');
    expect(formatMicros(1)).toBe('0.000001');
    expect(formatMicros(0)).toBe('0');
    expect(formatMicros(-1_250_000)).toBe('-1.25');
    // 0.1 + 0.2 without a float's error.
    expect(formatMicros(parseMicros('0.1')! + parseMicros('0.2')!)).toBe('0.3');
  });
});

describe('usage by day', () => {
  const line = (period: string | null, resource: string, unit: string, quantity: string): UsageLine => ({ period, resource, unit, quantity });

  it('sums each day and resource, with every day of the month and CPU and memory first', () => {
    const series = usageSeries(
      [
        line('2026-02-03', 'cpu', 'core-hours', '1.5'),
        line('2026-02-03', 'cpu', 'core-hours', '0.25'),
        line('2026-02-03', 'memory', 'GiB-hours', '4'),
        line('2026-02-10', 'storage', 'GiB-hours', '12.5'),
        line('2026-02-10', 'egress', 'GB', '2'),
      ],
      '2026-02',
    );
    expect(series.map((s) => s.label)).toEqual(['CPU (core-hours)', 'Memory (GiB-hours)', 'egress (GB)', 'storage (GiB-hours)']);
    const [cpu, memory, , storage] = series;
    expect(cpu.days).toHaveLength(28);
    expect(cpu.days[2]).toEqual({ period: '2026-02-03', micros: 1_750_000, quantity: '1.75' });
    expect(cpu.days[3]).toEqual({ period: '2026-02-04', micros: 0, quantity: '0' });
    expect(cpu.total).toBe('1.75');
    expect(memory.total).toBe('4');
    expect(storage.days[9].quantity).toBe('12.5');
  });

  it('charts CPU and memory at zero when nothing was used, and leaves out what does not fit', () => {
    const series = usageSeries(
      [line('2026-03-01', 'cpu', 'core-hours', '1'), line(null, 'cpu', 'core-hours', '5'), line('2026-02-01', 'cpu', 'core-hours', 'x')],
      '2026-02',
    );
    expect(series.map((s) => [s.resource, s.total])).toEqual([
      ['cpu', '0'],
      ['memory', '0'],
    ]);
  });

  it('keeps a resource apart by unit', () => {
    const series = usageSeries([line('2026-02-01', 'storage', 'GiB-hours', '1'), line('2026-02-01', 'storage', 'TiB-hours', '1')], '2026-02');
    expect(series.slice(2).map((s) => s.label)).toEqual(['storage (GiB-hours)', 'storage (TiB-hours)']);
  });
});

describe('bar heights', () => {
  it('scales to the largest value, small ones still visible', () => {
    expect(barHeights([0, 50, 100], 160)).toEqual([0, 80, 160]);
    expect(barHeights([1, 100_000], 100)).toEqual([1, 100]);
    expect(barHeights([0, 0], 160)).toEqual([0, 0]);
    expect(barHeights([], 160)).toEqual([]);
  });
});

describe('quota bars', () => {
  it('reads quantities', () => {
    expect(parseQuantity('4')).toBe(4);
    expect(parseQuantity('1500m')).toBe(1.5);
    expect(parseQuantity('8Gi')).toBe(8 * 2 ** 30);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('eight')).toBeNull();
  });
  it('shows what is used of what is entitled', () => {
    expect(quotaBar({ field: 'requestsMemory', used: '4Gi', entitled: '8Gi', over: false })).toEqual({ label: 'Memory requests', text: '4Gi of 8Gi', percent: 50, over: false });
    expect(quotaBar({ field: 'requestsCpu', used: '6', entitled: '4', over: true })).toEqual({ label: 'CPU requests', text: '6 of 4', percent: 100, over: true });
    expect(quotaBar({ field: 'pods', used: '0', entitled: '0', over: false }).percent).toBe(0);
  });
  it('says when nothing limits a field, and when a project sets no limit', () => {
    expect(quotaBar({ field: 'limitsCpu', used: '2', entitled: null, over: false })).toEqual({ label: 'CPU limits', text: '2 · not limited', percent: null, over: false });
    expect(quotaBar({ field: 'pods', used: null, entitled: '20', over: true })).toEqual({ label: 'Pods', text: 'no limit of 20', percent: 100, over: true });
  });
});

describe('project quota bars', () => {
  const now = { cluster: 'prod', namespace: 'acme-web', projectId: 'p1', cpuRequest: 1500, cpuUsage: 200, memoryRequest: 3 * 2 ** 30, memoryUsage: 0, measuredAt: '2026-12-07T10:00:00Z' };
  it("shows the namespace's requests of the quota, over when past it", () => {
    expect(projectQuotaBars({ requestsCpu: '2', requestsMemory: '2Gi' }, now)).toEqual([
      { key: 'requestsCpu', label: 'CPU requests', text: '1500m of 2', percent: 75, over: false },
      { key: 'requestsMemory', label: 'Memory requests', text: '3Gi of 2Gi', percent: 100, over: true },
    ]);
  });
  it('says when the quota does not limit a field', () => {
    expect(projectQuotaBars({ pods: 10 }, { ...now, cpuRequest: 2000, memoryRequest: 1000 })).toEqual([
      { key: 'requestsCpu', label: 'CPU requests', text: '2 · not limited', percent: null, over: false },
      { key: 'requestsMemory', label: 'Memory requests', text: '1000 · not limited', percent: null, over: false },
    ]);
  });
  it('writes quantities as Kubernetes does', () => {
    expect([formatMillicores(4000), formatMillicores(250), formatBinaryBytes(1536 * 2 ** 20), formatBinaryBytes(0)]).toEqual(['4', '250m', '1536Mi', '0']);
  });
});

describe('plan form', () => {
  const draft = { ...EMPTY_PLAN_DRAFT, name: 'starter', price: '19.90' };
  it('sends the terms filled in', () => {
    expect(planTerms(draft)).toEqual({ input: { name: 'starter', price: '19.90', currency: 'USD', periodDays: 30, quota: {} } });
    expect(planTerms({ ...draft, displayName: ' Starter ', currency: 'eur', periodDays: '', requestsCpu: '2', requestsMemory: '4Gi', pods: '20' })).toEqual({
      input: { name: 'starter', displayName: 'Starter', price: '19.90', currency: 'EUR', quota: { requestsCpu: '2', requestsMemory: '4Gi', pods: 20 } },
    });
  });
  it('says what is wrong', () => {
    expect(planTerms({ ...draft, name: 'Starter' })).toEqual({ error: 'The plan name must be lowercase letters, digits and "-" (a DNS-1123 label).' });
    for (const price of ['', '0', '0.00', '1.999', '-5', 'ten']) {
      expect(planTerms({ ...draft, price })).toEqual({ error: 'The price must be above 0 with at most 2 decimal places, such as 19.90.' });
    }
    expect(planTerms({ ...draft, currency: 'US' })).toEqual({ error: 'The currency must be an ISO 4217 code of three letters, such as USD.' });
    for (const periodDays of ['0', '367', '1.5']) expect(planTerms({ ...draft, periodDays })).toEqual({ error: 'The period must be a whole number of days from 1 to 366.' });
    expect(planTerms({ ...draft, pods: 'many' })).toEqual({ error: 'Pods must be a whole number from 0 to 100000.' });
    expect(planTerms({ ...draft, displayName: 'x'.repeat(101) })).toHaveProperty('error');
  });
});

describe('orders', () => {
  it('are placed by admins and tenant callers only', () => {
    expect(canOrder(['admin'])).toBe(true);
    expect(canOrder(['tenant'])).toBe(true);
    for (const roles of [['viewer'], ['operator'], ['project']]) expect(canOrder(roles)).toBe(false);
  });
  it('offer paying and canceling while pending, marking paid to admins', () => {
    expect(orderActions('pending', ['admin'])).toEqual(['pay', 'markPaid', 'cancel']);
    expect(orderActions('pending', ['tenant'])).toEqual(['pay', 'cancel']);
    expect(orderActions('pending', ['viewer'])).toEqual([]);
  });
  it('let only an admin cancel a paid one, and nobody a canceled one', () => {
    expect(orderActions('paid', ['admin'])).toEqual(['cancel']);
    expect(orderActions('paid', ['tenant'])).toEqual([]);
    expect(orderActions('canceled', ['admin'])).toEqual([]);
  });
  it('tell how checkout ended', () => {
    expect(checkoutNotice('success')).toBe('Payment received; the order is marked paid when Stripe confirms it.');
    expect(checkoutNotice('canceled')).toBe('Checkout was canceled.');
    expect(checkoutNotice(null)).toBeNull();
    expect(checkoutNotice('other')).toBeNull();
  });
});
