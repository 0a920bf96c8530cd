import { describe, expect, it } from 'vitest';
import {
  EMPTY_PREDICTION_FILTERS,
  formatHorizon,
  formatScore,
  formatSlope,
  formatValue,
  predictedObjectLabel,
  predictedObjectRoute,
  predictionFiltersFromSearch,
  predictionsApiPath,
} from './predictions';

describe('predictions', () => {
  it('keeps valid filters in the URL and the API path; drops what the API would refuse', () => {
    const f = predictionFiltersFromSearch(new URLSearchParams('cluster=prod&kind=pvc_filling&minScore=0.5'));
    expect(f).toEqual({ cluster: 'prod', namespace: '', kind: 'pvc_filling', minScore: '0.5' });
    expect(predictionsApiPath(f)).toBe('/api/predictions?cluster=prod&kind=pvc_filling&minScore=0.5');
    expect(predictionsApiPath(EMPTY_PREDICTION_FILTERS)).toBe('/api/predictions');
    expect(predictionFiltersFromSearch(new URLSearchParams('kind=doom&minScore=2'))).toEqual(EMPTY_PREDICTION_FILTERS);
  });

  it('says horizons for people', () => {
    expect(formatHorizon(0)).toBe('crossed');
    expect(formatHorizon(5400)).toBe('in 1 h 30 m');
    expect(formatHorizon(9000)).toBe('in 2 h 30 m');
    expect(formatHorizon(7200)).toBe('in 2 h');
    expect(formatHorizon(45 * 60)).toBe('in 45 m');
    expect(formatHorizon(20)).toBe('in 1 m');
    expect(formatHorizon(26 * 3600)).toBe('in 1 d 2 h');
    expect(formatHorizon(null)).toBe('not foreseen');
  });

  it('shows evidence in its unit', () => {
    expect(formatValue(512 * 1024 * 1024, 'bytes')).toBe('512Mi');
    expect(formatValue(1.5 * 1024 ** 3, 'bytes')).toBe('1536Mi');
    expect(formatValue(1.5 * 1024 ** 3 + 12_345, 'bytes')).toBe('1.50Gi');
    expect(formatValue(0.6875, 'ratio')).toBe('68.75 %');
    expect(formatValue(6, 'restarts_per_hour')).toBe('6/h');
    expect(formatSlope(0.125, 'ratio')).toBe('+12.5 %/h');
    expect(formatSlope(128 * 1024 * 1024, 'bytes')).toBe('+128Mi/h');
    expect(formatSlope(4, 'restarts_per_hour')).toBe('+4/h per h');
    expect(formatSlope(-1024 * 1024, 'bytes')).toBe('−1Mi/h');
    expect(formatScore(0.969)).toBe('97 %');
  });

  it('names and links the predicted object', () => {
    const api = { cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'api', container: 'app' };
    expect(predictedObjectLabel(api)).toBe('Deployment shop/api (container app)');
    expect(predictedObjectRoute(api)).toBe('/clusters/prod/resources/apps/v1/deployments/shop/api');
    expect(predictedObjectRoute({ cluster: 'prod', kind: 'Node', name: 'worker-2' })).toBe('/clusters/prod/resources/core/v1/nodes/worker-2');
    expect(predictedObjectRoute({ cluster: 'prod', kind: 'Gadget', name: 'x' })).toBeNull();
  });
});
