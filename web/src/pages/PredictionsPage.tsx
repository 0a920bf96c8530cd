import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { apiQuery } from '../api/queries';
import type { Prediction, PredictionList } from '../api/types';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput, FilterSelect } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import {
  EMPTY_PREDICTION_FILTERS,
  FALLBACK_REASONS,
  formatHorizon,
  formatScore,
  formatSlope,
  formatValue,
  PREDICTION_KIND_LABELS,
  PREDICTION_KINDS,
  predictedObjectLabel,
  predictedObjectRoute,
  predictionFiltersFromSearch,
  predictionKey,
  predictionsApiPath,
  validMinScore,
  type PredictionFilters,
} from '../lib/predictions';
import { filtersQuery, formatSpan, SIGNALS_REFRESH_MS } from '../lib/signals';

/** Trouble the samples' trends foretell, highest score first; filters in the URL. */
export function PredictionsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = predictionFiltersFromSearch(search);
  const predictions = useQuery({ ...apiQuery<PredictionList>(predictionsApiPath(filters)), placeholderData: keepPreviousData, refetchInterval: SIGNALS_REFRESH_MS });
  const items = predictions.data?.predictions ?? [];
  // An invalid minimum score is dropped from the URL (the API would refuse it).
  const apply = (next: PredictionFilters) => setSearch(new URLSearchParams(filtersQuery(validMinScore(next.minScore) ? next : { ...next, minScore: '' })));

  return (
    <>
      <h1>Predictions</h1>
      {predictions.data ? <SourceBanner list={predictions.data} /> : null}
      <FilterBar key={JSON.stringify(filters)} label="Prediction filters" filters={filters} empty={EMPTY_PREDICTION_FILTERS} onApply={apply}>
        {(field) => (
          <>
            <FilterInput label="Cluster" {...field('cluster')} />
            <FilterInput label="Namespace" {...field('namespace')} />
            <FilterSelect label="Kind" values={PREDICTION_KINDS} labelOf={(k) => PREDICTION_KIND_LABELS[k]} {...field('kind')} />
            <FilterInput label="Minimum score" placeholder="0 to 1" {...field('minScore')} />
          </>
        )}
      </FilterBar>
      <section className="panel">
        <div className="table-toolbar">
          <span>{predictions.data ? `${items.length} prediction${items.length === 1 ? '' : 's'}` : '\u00a0'}</span>
          {predictions.isFetching ? <Loading label="" /> : null}
        </div>
        {predictions.error ? <ErrorPanel error={predictions.error} onRetry={() => void predictions.refetch()} /> : null}
        {predictions.data && items.length === 0 ? (
          <p className="muted" data-testid="predictions-empty">
            No predictions: nothing sampled is trending toward a threshold within 24 hours (or not enough samples yet).
          </p>
        ) : null}
        {items.length > 0 ? <PredictionsTable items={items} /> : null}
      </section>
    </>
  );
}

function SourceBanner({ list }: { list: PredictionList }) {
  return (
    <p className={list.fallbackReason ? 'panel' : 'muted'} data-testid="predictions-source" data-source={list.source}>
      Source: <Badge tone={list.source === 'external' ? 'info' : 'neutral'}>{list.source}</Badge>{' '}
      {list.source === 'external' ? 'external predictor' : 'Fleetdeck’s local model'}
      {list.fallbackReason ? ` — fell back to the local model: ${FALLBACK_REASONS[list.fallbackReason] ?? list.fallbackReason} (${list.fallbackReason}).` : '.'}{' '}
      {list.generatedAt ? (
        <>
          Generated <Time value={list.generatedAt} />.
        </>
      ) : (
        <span>Not computed yet.</span>
      )}
    </p>
  );
}

function PredictionsTable({ items }: { items: Prediction[] }) {
  return (
    <table className="table" aria-label="Predictions">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Object</th>
          <th>Score</th>
          <th>Horizon</th>
          <th>Evidence</th>
        </tr>
      </thead>
      <tbody>
        {items.map((p) => {
          const route = predictedObjectRoute(p.object);
          const e = p.evidence;
          return (
            <tr key={predictionKey(p)} data-testid="prediction-row">
              <td>
                {PREDICTION_KIND_LABELS[p.kind] ?? p.kind}
                {e.resource ? ` (${e.resource})` : ''}
              </td>
              <td>
                <span className="muted">{p.object.cluster}: </span>
                {route ? <Link to={route}>{predictedObjectLabel(p.object)}</Link> : predictedObjectLabel(p.object)}
              </td>
              <td data-col="score">{formatScore(p.score)}</td>
              <td data-col="horizon">{p.horizon === 0 ? <Badge tone="bad">crossed</Badge> : formatHorizon(p.horizon)}</td>
              <td data-col="evidence">
                {formatValue(e.current, e.unit)} of {formatValue(e.threshold, e.unit)}, {formatSlope(e.slopePerHour, e.unit)}{' '}
                <span className="muted">
                  ({e.points} points over {formatSpan(e.windowSeconds)})
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
