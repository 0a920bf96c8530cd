import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { fluxErrorHints, forceDeleteLabel, inUse, warningsMessage } from './fluxErrors';

const error = (status: number, code: string, details?: Record<string, unknown>) =>
  new ApiError({ status, code, message: code, details });

describe('flux errors', () => {
  it('reads what a 409 in_use names', () => {
    expect(inUse(error(409, 'in_use', { clusters: ['a', 'b'], components: ['app'] }))).toEqual({
      clusters: ['a', 'b'],
      components: ['app'],
    });
    expect(inUse(error(409, 'in_use'))).toEqual({ clusters: [], components: [] });
    expect(inUse(error(409, 'conflict'))).toBeNull();
    expect(inUse(null)).toBeNull();
  });

  it('labels the forced delete', () => {
    expect(forceDeleteLabel({ clusters: ['a'], components: [] })).toBe('Remove from 1 cluster and delete');
    expect(forceDeleteLabel({ clusters: ['a', 'b'], components: [] })).toBe('Remove from 2 clusters and delete');
    expect(forceDeleteLabel({ clusters: ['a'], components: ['x', 'y'] })).toBe(
      "Remove from 1 cluster and 2 components' depends_on and delete",
    );
    expect(forceDeleteLabel({ clusters: [], components: ['x'] })).toBe("Remove from 1 component's depends_on and delete");
  });

  it('explains references, cycles and sizes', () => {
    expect(fluxErrorHints(error(422, 'unknown_reference', { kind: 'platform_component', ids: ['x', 'y'] }))).toEqual([
      'No platform component with ids x, y in the catalog.',
    ]);
    expect(fluxErrorHints(error(422, 'unknown_reference', { kind: 'patches', ids: ['x'] }))).toEqual([
      'Patches for components the cluster does not have: x.',
    ]);
    expect(fluxErrorHints(error(409, 'in_use', { clusters: ['c1'], components: ['app'] }))).toEqual([
      'Assigned to clusters: c1.',
      'Components depending on it: app.',
    ]);
    expect(fluxErrorHints(error(422, 'dependency_cycle', { cycle: ['a', 'b', 'a'] }))).toEqual(['Dependency cycle: a → b → a.']);
    expect(fluxErrorHints(error(500, 'inputs_too_large', { cluster: 'c1', size: 1_048_576, limit: 921_600 }))).toEqual([
      'The inputs of c1 are 1.00 MiB, over the 900.0 KiB Flux accepts.',
    ]);
    expect(fluxErrorHints(error(422, 'invalid_id'))[0]).toMatch(/DNS-1123/);
    expect(fluxErrorHints(error(500, 'internal'))).toEqual([]);
  });

  it('words warnings naming the clusters', () => {
    expect(warningsMessage([])).toBeNull();
    expect(warningsMessage([{ code: 'inputs_too_large', cluster: 'c1', inputs: 'platform-components', size: 1_000_000, limit: 921_600 }])).toBe(
      'Saved, but the Flux inputs are now too large for cluster c1 (platform-components: 976.6 KiB of 900.0 KiB): Flux will refuse them until they shrink.',
    );
    expect(
      warningsMessage([
        { code: 'inputs_too_large', cluster: 'c1', inputs: '', size: 1, limit: 1 },
        { code: 'inputs_too_large', cluster: 'c2', inputs: '', size: 1, limit: 1 },
      ]),
    ).toMatch(/clusters c1 \(1 B of 1 B\), c2/);
    expect(warningsMessage([{ code: 'inputs_too_large', cluster: 'c1', inputs: 'namespaces', size: 2, limit: 1 }], true)).toBe(
      'After this import the Flux inputs would be too large for cluster c1 (namespaces: 2 B of 1 B): Flux would refuse them.',
    );
  });
});
