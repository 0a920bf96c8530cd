import { describe, expect, it } from 'vitest';
import type { Citation } from '../api/types';
import { answerParts, citationRoute, citedNumbers } from './assistant';

const cite = (kind: Citation['kind'], id: string): Citation => ({ kind, id, title: id, snippet: '', score: 1, link: '' });

describe('assistant', () => {
  it('matches each [n] to the n-th citation', () => {
    const citations = [cite('runbook', 'r1'), cite('doc', 'api.md#assistant')];
    expect(answerParts('Restart it [1]. See the docs [2][3].', citations)).toEqual([
      { type: 'text', text: 'Restart it ' },
      { type: 'cite', n: 1, citation: citations[0] },
      { type: 'text', text: '. See the docs ' },
      { type: 'cite', n: 2, citation: citations[1] },
      { type: 'cite', n: 3, citation: null },
      { type: 'text', text: '.' },
    ]);
    expect(answerParts('Both [1, 2]', citations).filter((p) => p.type === 'cite').map((p) => p.type === 'cite' && p.n)).toEqual([1, 2]);
    expect(answerParts('No markers [x]', citations)).toEqual([{ type: 'text', text: 'No markers [x]' }]);
    expect(citedNumbers('a [2] b [1] c [2]')).toEqual([2, 1]);
  });

  it('links references to their console pages', () => {
    expect(citationRoute(cite('runbook', 'r 1'))).toBe('/runbooks?runbook=r+1');
    expect(citationRoute(cite('incident', 'i1'))).toBe('/incidents/i1');
    expect(citationRoute(cite('finding', 'f1'))).toBe('/findings?state=all&finding=f1');
    expect(citationRoute(cite('doc', 'api.md#x'))).toBeNull();
  });
});
