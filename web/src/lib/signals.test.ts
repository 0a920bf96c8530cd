import { describe, expect, it } from 'vitest';
import {
  burnChart,
  recommendedResources,
  EMPTY_SLO_FILTERS,
  filtersQuery,
  formatBurn,
  formatCpu,
  formatMemory,
  formatMoney,
  formatPercent,
  formatSpan,
  rightsizingApiPath,
  sloApiPath,
  sloFiltersFromSearch,
  workloadKey,
} from './signals';

describe('signals', () => {
  it('keeps the filters that are set, in the URL and the API path alike', () => {
    const filters = sloFiltersFromSearch(new URLSearchParams('cluster=prod&status=page&bogus=1'));
    expect(filters).toEqual({ cluster: 'prod', namespace: '', status: 'page' });
    expect(filtersQuery(filters)).toBe('cluster=prod&status=page');
    expect(sloApiPath(filters)).toBe('/api/slo?cluster=prod&status=page');
    expect(sloApiPath(EMPTY_SLO_FILTERS)).toBe('/api/slo');
    expect(rightsizingApiPath({ cluster: ' ', namespace: 'shop' })).toBe('/api/rightsizing?namespace=shop');
    // An unknown status is dropped, not sent (the server would answer 400).
    expect(sloFiltersFromSearch(new URLSearchParams('status=burning')).status).toBe('');
  });

  it('formats percentages, burn rates, quantities and money', () => {
    expect(formatPercent(0.9995)).toBe('99.95 %');
    expect(formatPercent(0.7459016393)).toBe('74.5902 %');
    expect(formatPercent(null)).toBe('—');
    expect(formatBurn(48.387)).toBe('×48.4');
    expect(formatBurn(0.0213)).toBe('×0.021');
    expect(formatBurn(undefined)).toBe('—');
    expect(formatCpu(250)).toBe('250m');
    expect(formatCpu(2000)).toBe('2');
    expect(formatCpu(null)).toBe('—');
    expect(formatMemory(230 * 1024 * 1024)).toBe('230Mi');
    expect(formatMemory(1024 * 1024 * 1024)).toBe('1Gi');
    expect(formatMemory(1536 * 1024 * 1024 + 1)).toBe('1.50Gi');
    expect(formatMemory(1024 * 1024 + 512 * 1024)).toBe('1.5Mi');
    expect(formatMoney(9.456)).toBe('$9.46');
    expect(formatMoney(-1.2)).toBe('−$1.20');
    expect(formatMoney(-0.001)).toBe('$0.00');
    expect(formatSpan(604_800)).toBe('7d');
    expect(formatSpan(86_400 + 4 * 3_600 + 59)).toBe('1d 4h');
    expect(formatSpan(28 * 60 + 30)).toBe('28m 30s');
    expect(formatSpan(0)).toBe('0s');
    expect(workloadKey({ cluster: 'c', namespace: 'n', kind: 'Deployment', name: 'api' })).toBe('c/n/Deployment/api');
  });

  it('draws burn rates on a log scale from 0.1 to at least 100', () => {
    const { bars, top, y } = burnChart([
      { window: '5m', burnRate: 50 },
      { window: '1h', burnRate: 1 },
      { window: '1d', burnRate: null },
      { window: '3d', burnRate: 0.05 },
    ]);
    expect(top).toBe(100);
    // 1 is a third of the way from 0.1 to 100 (one decade of three).
    expect(y(1)).toBeCloseTo(100 / 3);
    expect(bars.map((b) => b.heightPercent)).toEqual([y(50), y(1), 0, 0]);
    expect(bars[2].rate).toBeNull();
    // A rate past 100 raises the top to itself.
    expect(burnChart([{ window: '5m', burnRate: 1000 }]).bars[0].heightPercent).toBe(100);
  });
});

describe('recommendedResources', () => {
  const container = (name: string, recommended: Record<string, number | null>) => ({
    container: name,
    current: {},
    recommended,
    cpu: 'recommended' as const,
    memory: 'recommended' as const,
    samples: 10,
    historySeconds: 86400,
    monthlySavings: 1,
  });
  it('proposes only what is recommended, in exact quantities', () => {
    const w = {
      cluster: 'c',
      namespace: 'shop',
      kind: 'Deployment',
      name: 'api',
      replicas: 2,
      monthlySavings: 1,
      computedAt: '2026-12-07T00:00:00Z',
      containers: [
        container('app', { cpuRequest: 250, memoryRequest: 148 * 1024 * 1024, memoryLimit: 148 * 1024 * 1024 }),
        container('odd', { cpuRequest: null, memoryRequest: 1000, memoryLimit: null }),
        container('none', { cpuRequest: null, memoryRequest: null, memoryLimit: null }),
      ],
    };
    expect(recommendedResources(w)).toEqual([
      { container: 'app', cpuRequest: '250m', memoryRequest: '148Mi', memoryLimit: '148Mi' },
      { container: 'odd', memoryRequest: '1000' },
    ]);
  });
});
