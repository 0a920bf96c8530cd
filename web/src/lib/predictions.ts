// The Predictions page's pure parts: filters in the URL, horizons and evidence for people, and
// the console page of the object a prediction is about.
import { paths } from '../api/endpoints';
import type { FallbackReason, PredictedObject, PredictionKind, PredictionUnit } from '../api/types';
import { objectRoute } from './findings';
import { filtersQuery, formatMemory, formatPercent } from './signals';

export const PREDICTIONS_ROUTE = '/predictions';

export const PREDICTION_KINDS = ['restart_rate_rising', 'memory_near_limit', 'pvc_filling', 'node_pressure'] as const satisfies readonly PredictionKind[];

export const PREDICTION_KIND_LABELS: Record<PredictionKind, string> = {
  restart_rate_rising: 'restart rate rising',
  memory_near_limit: 'memory near its limit',
  pvc_filling: 'volume filling',
  node_pressure: 'node pressure',
};

export const FALLBACK_REASONS: Record<FallbackReason, string> = {
  predictor_unreachable: 'the external predictor could not be reached',
  predictor_timeout: 'the external predictor did not answer in time',
  predictor_error_status: 'the external predictor answered an error',
  predictor_invalid_answer: 'the external predictor’s answer was not usable',
  predictor_refused: 'the outbound guard refused the predictor’s address',
};

export interface PredictionFilters {
  cluster: string;
  namespace: string;
  kind: PredictionKind | '';
  /** 0 to 1 as typed; empty: any. */
  minScore: string;
}

export const EMPTY_PREDICTION_FILTERS: PredictionFilters = { cluster: '', namespace: '', kind: '', minScore: '' };

/** A score the API takes: a number in 0–1 (anything else would be 400 invalid_query). */
export function validMinScore(text: string): boolean {
  const t = text.trim();
  if (!t) return true;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1;
}

export function predictionFiltersFromSearch(search: URLSearchParams): PredictionFilters {
  const kind = search.get('kind') ?? '';
  const minScore = (search.get('minScore') ?? '').trim();
  return {
    cluster: (search.get('cluster') ?? '').trim(),
    namespace: (search.get('namespace') ?? '').trim(),
    kind: (PREDICTION_KINDS as readonly string[]).includes(kind) ? (kind as PredictionKind) : '',
    // An out-of-range score is dropped, not sent.
    minScore: validMinScore(minScore) ? minScore : '',
  };
}

export function predictionsApiPath(filters: PredictionFilters): string {
  const q = filtersQuery(filters);
  return q ? `${paths.predictions}?${q}` : paths.predictions;
}

/** "crossed", "in 45 m", "in 2 h 30 m", "in 1 d 2 h"; null: "not foreseen". */
export function formatHorizon(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'not foreseen';
  if (seconds <= 0) return 'crossed';
  const minutes = Math.max(1, Math.round(seconds / 60));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const parts = d ? [`${d} d`, h ? `${h} h` : ''] : h ? [`${h} h`, m ? `${m} m` : ''] : [`${m} m`];
  return `in ${parts.filter(Boolean).join(' ')}`;
}

/** A value in its unit: bytes as Mi/Gi, ratios as %, restart rates per hour. */
export function formatValue(value: number, unit: PredictionUnit): string {
  if (unit === 'bytes') return formatMemory(Math.round(value));
  if (unit === 'ratio') return formatPercent(Number(value.toFixed(4)));
  return `${Number(value.toFixed(2))}/h`;
}

/** The fitted slope per hour, signed: "+128Mi/h", "+12.5 %/h", "+4/h per h". */
export function formatSlope(slopePerHour: number, unit: PredictionUnit): string {
  const sign = slopePerHour < 0 ? '−' : '+';
  const abs = Math.abs(slopePerHour);
  if (unit === 'restarts_per_hour') return `${sign}${Number(abs.toFixed(2))}/h per h`;
  return `${sign}${formatValue(abs, unit)}/h`;
}

/** The score as a percentage for people: 0.969 → "97 %". */
export function formatScore(score: number): string {
  return `${Math.round(score * 100)} %`;
}

/** `Deployment shop/api (container app)`, `Node worker-2`. */
export function predictedObjectLabel(o: PredictedObject): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}${o.container ? ` (container ${o.container})` : ''}`;
}

const API_VERSIONS: Record<string, string> = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Node: 'v1', PersistentVolumeClaim: 'v1' };

/** The console page of the predicted object, for the kinds predictions name; else null. */
export function predictedObjectRoute(o: PredictedObject): string | null {
  const apiVersion = API_VERSIONS[o.kind];
  return apiVersion ? objectRoute(o.cluster, { apiVersion, kind: o.kind, namespace: o.namespace, name: o.name }) : null;
}

/** A row's key: kind and object (a container, a node's resource). */
export function predictionKey(p: { kind: string; object: PredictedObject; evidence: { resource?: string | null } }): string {
  const o = p.object;
  return [p.kind, o.cluster, o.namespace ?? '', o.kind, o.name, o.container ?? '', p.evidence.resource ?? ''].join('/');
}
