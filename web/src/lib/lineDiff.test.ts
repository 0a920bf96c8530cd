import { describe, expect, it } from 'vitest';
import { diffCounts, lineDiff } from './lineDiff';

describe('lineDiff', () => {
  it('is empty for the same lines', () => {
    expect(lineDiff('a\nb\n', 'a\nb')).toEqual([]);
    expect(lineDiff('', '')).toEqual([]);
  });

  it('shows a changed line with its context and a hunk header', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
    expect(lineDiff(before, after, 1)).toEqual([
      { kind: 'hunk', text: '@@ -4,3 +4,3 @@' },
      { kind: 'context', text: ' d' },
      { kind: 'removed', text: '-e' },
      { kind: 'added', text: '+E' },
      { kind: 'context', text: ' f' },
    ]);
  });

  it('keeps distant changes in separate hunks and merges near ones', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const far = before.replace('line 2', 'LINE 2').replace('line 17', 'LINE 17');
    expect(lineDiff(before, far, 2).filter((l) => l.kind === 'hunk')).toHaveLength(2);
    const near = before.replace('line 2', 'LINE 2').replace('line 5', 'LINE 5');
    expect(lineDiff(before, near, 2).filter((l) => l.kind === 'hunk')).toEqual([{ kind: 'hunk', text: '@@ -1,8 +1,8 @@' }]);
  });

  it('counts additions and removals, from and to nothing', () => {
    expect(diffCounts(lineDiff('', 'a\nb'))).toEqual({ added: 2, removed: 0 });
    expect(lineDiff('', 'a\nb')[0]).toEqual({ kind: 'hunk', text: '@@ -1,0 +1,2 @@' });
    expect(diffCounts(lineDiff('a\nb\nc', 'a\nc'))).toEqual({ added: 0, removed: 1 });
  });

  it('finds the inserted lines, not a rewrite of everything after them', () => {
    const lines = lineDiff('spec:\n  replicas: 2\n  paused: false\n', 'spec:\n  replicas: 5\n  minReady: 3\n  paused: false\n', 0);
    expect(lines.filter((l) => l.kind !== 'hunk')).toEqual([
      { kind: 'removed', text: '-  replicas: 2' },
      { kind: 'added', text: '+  replicas: 5' },
      { kind: 'added', text: '+  minReady: 3' },
    ]);
  });
});
