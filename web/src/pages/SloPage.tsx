import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { apiQuery } from '../api/queries';
import type { SloList, SloStatus, WorkloadSlo } from '../api/types';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput, FilterSelect } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import {
  burnChart,
  EMPTY_SLO_FILTERS,
  filtersQuery,
  formatBurn,
  formatPercent,
  SIGNALS_REFRESH_MS,
  SLO_STATUSES,
  sloApiPath,
  sloFiltersFromSearch,
  workloadKey,
  type SloFilters,
} from '../lib/signals';

const STATUS_TONES: Record<SloStatus, 'good' | 'warn' | 'bad' | 'neutral'> = { ok: 'good', ticket: 'warn', page: 'bad', no_data: 'neutral' };

function StatusBadge({ status }: { status: SloStatus }) {
  return <Badge tone={STATUS_TONES[status]}>{status.replace('_', ' ')}</Badge>;
}

/** Every workload's SLO: the summary, filters in the URL, one workload's burn rates and rules open. */
export function SloPage() {
  const [search, setSearch] = useSearchParams();
  const filters = sloFiltersFromSearch(search);
  const selected = search.get('selected');
  const slo = useQuery({ ...apiQuery<SloList>(sloApiPath(filters)), placeholderData: keepPreviousData, refetchInterval: SIGNALS_REFRESH_MS });
  const show = (next: SloFilters, open: string | null) => {
    const params = new URLSearchParams(filtersQuery(next));
    if (open) params.set('selected', open);
    setSearch(params);
  };
  const workloads = slo.data?.workloads ?? [];
  const open = workloads.find((w) => workloadKey(w) === selected);

  return (
    <>
      <h1>SLOs</h1>
      {slo.data ? (
        <p className="severity-counts" data-testid="slo-summary">
          {SLO_STATUSES.map((status) => (
            <span key={status} data-status={status}>
              <StatusBadge status={status} /> {slo.data.summary[status === 'no_data' ? 'noData' : status]}
            </span>
          ))}
          <span className="muted">
            computed <Time value={slo.data.computedAt} />
          </span>
        </p>
      ) : null}
      <FilterBar key={JSON.stringify(filters)} label="SLO filters" filters={filters} empty={EMPTY_SLO_FILTERS} onApply={(next) => show(next, null)}>
        {(field) => (
          <>
            <FilterInput label="Cluster" {...field('cluster')} />
            <FilterInput label="Namespace" {...field('namespace')} />
            <FilterSelect label="Status" values={SLO_STATUSES} {...field('status')} />
          </>
        )}
      </FilterBar>
      <section className="panel">
        <div className="table-toolbar">
          <span>{slo.data ? `${workloads.length} workload${workloads.length === 1 ? '' : 's'}` : '\u00a0'}</span>
          {slo.isFetching ? <Loading label="" /> : null}
        </div>
        {slo.error ? <ErrorPanel error={slo.error} onRetry={() => void slo.refetch()} /> : null}
        {slo.data && workloads.length === 0 ? <p className="muted">No workloads match. SLOs appear once the sampler has seen a workload.</p> : null}
        {workloads.length > 0 ? (
          <table className="table" aria-label="SLOs">
            <thead>
              <tr>
                <th>Workload</th>
                <th>Target</th>
                <th>Availability</th>
                <th>Error budget left</th>
                <th>Burn 1h</th>
                <th>Burn 6h</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {workloads.map((w) => {
                const key = workloadKey(w);
                return (
                  <tr key={key} data-testid="slo-row" data-key={key} className={key === selected ? 'row-selected' : undefined}>
                    <td>
                      <button type="button" className="link-button" aria-expanded={key === selected} onClick={() => show(filters, key === selected ? null : key)}>
                        {w.cluster}/{w.namespace}/{w.kind}/{w.name}
                      </button>
                    </td>
                    <td data-col="target">
                      {w.target} %{w.targetSource === 'invalid_annotation' ? <Badge tone="warn">invalid annotation</Badge> : null}
                    </td>
                    <td data-col="availability">{formatPercent(w.availability)}</td>
                    <td data-col="budget">
                      <BudgetBar remaining={w.errorBudget.remaining ?? null} />
                    </td>
                    <td data-col="burn-1h">{formatBurn(w.burnRates.find((b) => b.window === '1h')?.burnRate)}</td>
                    <td data-col="burn-6h">{formatBurn(w.burnRates.find((b) => b.window === '6h')?.burnRate)}</td>
                    <td data-col="status">
                      <StatusBadge status={w.status} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </section>
      {open ? <SloDetail workload={open} onClose={() => show(filters, null)} /> : null}
    </>
  );
}

function BudgetBar({ remaining }: { remaining: number | null }) {
  if (remaining === null) return <span className="muted">—</span>;
  const percent = Math.max(0, Math.min(100, remaining * 100));
  const level = remaining <= 0 ? 'over' : remaining < 0.25 ? 'warn' : 'ok';
  return (
    <div className={`size size-${level}`} data-remaining={remaining}>
      <span>{remaining <= 0 ? `overspent ×${(1 - remaining).toFixed(1)}` : formatPercent(remaining)}</span>
      <div className="size-bar" role="meter" aria-label="Error budget left" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(percent)}>
        <div className="size-bar-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}

/** The thresholds the rules compare burn rates with, as lines on the chart. */
const THRESHOLDS = [14.4, 6, 3, 1];

function SloDetail({ workload, onClose }: { workload: WorkloadSlo; onClose: () => void }) {
  const { bars, y } = burnChart(workload.burnRates);
  const width = 420;
  const height = 160;
  const slot = width / bars.length;
  return (
    <section className="panel" aria-label="SLO detail" data-testid="slo-detail">
      <div className="table-toolbar">
        <h2>
          {workload.kind} {workload.namespace}/{workload.name} <span className="muted">on {workload.cluster}</span>
        </h2>
        <span className="spacer" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <p>
        Target {workload.target} % over {Math.round(workload.periodSeconds / 86_400)} days ({workload.targetSource.replace('_', ' ')}); availability {formatPercent(workload.availability)};
        budget consumed {formatPercent(workload.errorBudget.consumed)} of {formatPercent(workload.errorBudget.allowed)} allowed unavailability. Last sample{' '}
        <Time value={workload.lastSampleAt} />.
      </p>
      <h3>Burn rate by window</h3>
      <svg className="burn-chart" viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label="Burn rate by window" data-testid="burn-chart">
        {THRESHOLDS.map((t) => (
          <g key={t}>
            <line x1={0} x2={width} y1={height - (y(t) * height) / 100} y2={height - (y(t) * height) / 100} className="burn-threshold" />
            <text x={width - 2} y={height - (y(t) * height) / 100 - 2} textAnchor="end" className="burn-label">
              ×{t}
            </text>
          </g>
        ))}
        {bars.map((b, i) => (
          <g key={b.window} data-window={b.window} data-rate={b.rate ?? ''}>
            <rect
              x={i * slot + slot * 0.2}
              width={slot * 0.6}
              y={height - (b.heightPercent * height) / 100}
              height={(b.heightPercent * height) / 100}
              className={b.rate !== null && b.rate > 1 ? 'burn-bar burn-bar-hot' : 'burn-bar'}
            >
              <title>{`${b.window}: ${formatBurn(b.rate)}`}</title>
            </rect>
            <text x={i * slot + slot / 2} y={height + 14} textAnchor="middle" className="burn-label">
              {b.window}
            </text>
          </g>
        ))}
      </svg>
      <h3>Alert rules</h3>
      <table className="table" aria-label="Burn-rate rules">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Windows</th>
            <th>Burn above</th>
            <th>Long</th>
            <th>Short</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {workload.alerts.map((a) => (
            <tr key={`${a.longWindow}/${a.shortWindow}`} data-testid="burn-rule" data-firing={a.firing}>
              <td>{a.severity}</td>
              <td>
                {a.longWindow} and {a.shortWindow}
              </td>
              <td>×{a.threshold}</td>
              <td>{formatBurn(workload.burnRates.find((b) => b.window === a.longWindow)?.burnRate)}</td>
              <td>{formatBurn(workload.burnRates.find((b) => b.window === a.shortWindow)?.burnRate)}</td>
              <td>{a.firing ? <Badge tone={a.severity === 'page' ? 'bad' : 'warn'}>firing</Badge> : <Badge tone="good">quiet</Badge>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
