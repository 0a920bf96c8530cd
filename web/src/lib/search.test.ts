import { describe, expect, it } from 'vitest';
import type { SearchHit, SearchMatch } from '../api/types';
import { hitName, hitRoute, hitSections, moveSelection, orderedHits, searchPath } from './search';

const hit = (name: string, match: SearchMatch, more: Partial<SearchHit> = {}): SearchHit => ({
  cluster: 'prod',
  group: '',
  version: 'v1',
  resource: 'pods',
  kind: 'Pod',
  namespace: 'shop',
  name,
  match,
  ...more,
});

describe('search', () => {
  it('asks the fleet for a trimmed query, nothing for none', () => {
    expect(searchPath('  web  ')).toBe('/api/search?q=web&limit=50');
    expect(searchPath('a b', 10)).toBe('/api/search?q=a+b&limit=10');
    expect(searchPath('   ')).toBeNull();
  });

  it('groups hits by match, best first, keeping the server order within one', () => {
    const hits = [hit('web-2', 'prefix'), hit('web', 'exact'), hit('my-web', 'substring'), hit('web-1', 'prefix'), hit('web', 'exact', { cluster: 'dev' })];
    const sections = hitSections(hits);
    expect(sections.map((s) => [s.title, s.hits.map((h) => `${h.index}:${h.hit.cluster}/${h.hit.name}`)])).toEqual([
      ['Exact matches', ['0:prod/web', '1:dev/web']],
      ['Starting with', ['2:prod/web-2', '3:prod/web-1']],
      ['Containing', ['4:prod/my-web']],
    ]);
    expect(orderedHits(hits).map((h) => h.name)).toEqual(['web', 'web', 'web-2', 'web-1', 'my-web']);
    expect(hitSections([])).toEqual([]);
  });

  it('opens a hit on its detail page', () => {
    expect(hitRoute(hit('web-1', 'exact'))).toBe('/clusters/prod/resources/core/v1/pods/shop/web-1');
    expect(hitRoute(hit('n1', 'exact', { resource: 'nodes', kind: 'Node', namespace: null }))).toBe('/clusters/prod/resources/core/v1/nodes/n1');
    expect(hitName(hit('web-1', 'exact'))).toBe('shop/web-1');
    expect(hitName(hit('n1', 'exact', { namespace: null }))).toBe('n1');
  });

  it('moves the selection with wrap-around', () => {
    expect(moveSelection(-1, 1, 3)).toBe(0);
    expect(moveSelection(-1, -1, 3)).toBe(2);
    expect(moveSelection(2, 1, 3)).toBe(0);
    expect(moveSelection(0, -1, 3)).toBe(2);
    expect(moveSelection(1, 1, 0)).toBe(-1);
  });
});
