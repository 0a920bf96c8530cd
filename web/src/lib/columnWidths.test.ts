import { describe, expect, it } from 'vitest';
import { parseWidths, widthsStorageKey } from './columnWidths';

describe('column widths', () => {
  it('are kept per kind', () => {
    expect(widthsStorageKey({ group: '', version: 'v1', resource: 'pods' })).toBe('fleetdeck.columnWidths.core/v1/pods');
  });

  it('keep only sensible saved widths', () => {
    expect(parseWidths('{"name":300,"ip":12,"node":"wide","age":80.5,"status":2500,"ready":90}')).toEqual({ name: 300, ready: 90 });
    expect(parseWidths('not json')).toEqual({});
    expect(parseWidths('[1,2]')).toEqual({});
    expect(parseWidths(null)).toEqual({});
  });
});
