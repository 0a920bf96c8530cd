import { describe, expect, it } from 'vitest';
import { applyWatchFrame, type ResourceList } from './listPatch';

interface Pod {
  name: string;
  namespace?: string | null;
  phase: string;
}

const pod = (namespace: string, name: string, phase = 'Running'): Pod => ({ namespace, name, phase });

const list = (items: Pod[], resourceVersion = '10'): ResourceList<Pod> => ({ items, resourceVersion, total: items.length, continue: '' });

const names = (l: ResourceList<Pod>) => l.items.map((p) => `${p.namespace ?? ''}/${p.name}:${p.phase}`);

describe('applyWatchFrame', () => {
  const before = list([pod('a', 'one'), pod('a', 'two'), pod('b', 'one')]);

  it('appends an added row and counts it', () => {
    const after = applyWatchFrame(before, { type: 'added', row: pod('b', 'two', 'Pending'), resourceVersion: '11' });
    expect(names(after)).toEqual(['a/one:Running', 'a/two:Running', 'b/one:Running', 'b/two:Pending']);
    expect(after).toMatchObject({ total: 4, resourceVersion: '11' });
  });

  it('replaces a modified row where it stands', () => {
    const after = applyWatchFrame(before, { type: 'modified', row: pod('a', 'two', 'Failed'), resourceVersion: '12' });
    expect(names(after)).toEqual(['a/one:Running', 'a/two:Failed', 'b/one:Running']);
    expect(after).toMatchObject({ total: 3, resourceVersion: '12' });
  });

  it('treats an add of a listed row as a modify', () => {
    const after = applyWatchFrame(before, { type: 'added', row: pod('b', 'one', 'Succeeded') });
    expect(names(after)).toEqual(['a/one:Running', 'a/two:Running', 'b/one:Succeeded']);
    expect(after.total).toBe(3);
    expect(after.resourceVersion).toBe('10');
  });

  it('appends a modified row it does not list yet', () => {
    const after = applyWatchFrame(before, { type: 'modified', row: pod('c', 'new') });
    expect(names(after)).toEqual(['a/one:Running', 'a/two:Running', 'b/one:Running', 'c/new:Running']);
    expect(after.total).toBe(4);
  });

  it('removes a deleted row by namespace and name', () => {
    const after = applyWatchFrame(before, { type: 'deleted', row: pod('b', 'one'), resourceVersion: '13' });
    expect(names(after)).toEqual(['a/one:Running', 'a/two:Running']);
    expect(after).toMatchObject({ total: 2, resourceVersion: '13' });
  });

  it('answers the list itself for a delete of a row it does not list', () => {
    expect(applyWatchFrame(before, { type: 'deleted', row: pod('c', 'one'), resourceVersion: '14' })).toBe(before);
  });

  it('replaces everything with a snapshot', () => {
    const paged = { ...before, total: 500, continue: 'next-page' };
    const after = applyWatchFrame(paged, { type: 'snapshot', rows: [pod('z', 'only')], resourceVersion: '20' });
    expect(after).toEqual({ items: [pod('z', 'only')], resourceVersion: '20', total: 1, continue: '' });
  });

  it('tells cluster-scoped rows from namespaced ones of the same name', () => {
    const nodes = list([{ name: 'one', phase: 'Ready' }, pod('a', 'one')]);
    const after = applyWatchFrame(nodes, { type: 'modified', row: { name: 'one', phase: 'NotReady' } });
    expect(names(after)).toEqual(['/one:NotReady', 'a/one:Running']);
    expect(applyWatchFrame(nodes, { type: 'deleted', row: { name: 'one', namespace: null, phase: '' } }).items).toEqual([pod('a', 'one')]);
  });

  it('leaves the given list unchanged', () => {
    const copy = structuredClone(before);
    applyWatchFrame(before, { type: 'added', row: pod('x', 'y') });
    applyWatchFrame(before, { type: 'modified', row: pod('a', 'one', 'Failed') });
    applyWatchFrame(before, { type: 'deleted', row: pod('a', 'two') });
    expect(before).toEqual(copy);
  });
});
