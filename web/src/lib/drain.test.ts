import { describe, expect, it } from 'vitest';
import { applyDrainFrame, EMPTY_PROGRESS, missingFlags, previewGroups, summaryText, type DrainPreview } from './drain';

const pod = (name: string, more: Partial<DrainPreview['pods'][number]> = {}) => ({
  namespace: 'orders',
  name,
  action: 'evict' as const,
  blockedBy: [],
  localStorage: false,
  unmanaged: false,
  ...more,
});

const preview: DrainPreview = {
  node: 'node-9',
  unschedulable: false,
  evict: 3,
  skipped: 1,
  blocked: 1,
  needsDeleteEmptyDirData: ['orders/cache-0'],
  needsForce: [],
  pods: [pod('api-a'), pod('agent', { action: 'skip', skipReason: 'daemonset' }), pod('db-0', { blockedBy: ['db-pdb'] }), pod('cache-0', { localStorage: true })],
};

const frame = (event: string, data: unknown) => ({ event, data: JSON.stringify(data) });

describe('drain preview', () => {
  it('groups the pods by what the drain does', () => {
    const groups = previewGroups(preview);
    expect(groups.evict.map((p) => p.name)).toEqual(['api-a', 'db-0', 'cache-0']);
    expect(groups.skipped.map((p) => p.name)).toEqual(['agent']);
    expect(groups.blocked.map((p) => p.name)).toEqual(['db-0']);
  });

  it('names the flags a drain still needs', () => {
    expect(missingFlags(preview, { deleteEmptyDirData: false, force: false })).toEqual(['deleteEmptyDirData']);
    expect(missingFlags(preview, { deleteEmptyDirData: true, force: false })).toEqual([]);
    expect(missingFlags({ ...preview, needsForce: ['orders/bare'] }, { deleteEmptyDirData: true, force: false })).toEqual(['force']);
  });
});

describe('applyDrainFrame', () => {
  it('follows each pod from the plan to its end, and keeps the summary', () => {
    let progress = applyDrainFrame(EMPTY_PROGRESS, frame('plan', preview));
    expect(progress.pods.map((p) => [p.name, p.state])).toEqual([
      ['api-a', 'waiting'],
      ['db-0', 'waiting'],
      ['cache-0', 'waiting'],
    ]);
    progress = applyDrainFrame(progress, frame('evicted', { namespace: 'orders', name: 'api-a' }));
    progress = applyDrainFrame(progress, frame('blocked', { namespace: 'orders', name: 'db-0', code: 'kube_too_many_requests', message: 'would violate db-pdb' }));
    expect(progress.pods[1]).toEqual({ namespace: 'orders', name: 'db-0', state: 'blocked', message: 'would violate db-pdb' });
    progress = applyDrainFrame(progress, frame('failed', { namespace: 'orders', name: 'db-0', code: 'timeout' }));
    progress = applyDrainFrame(progress, frame('evicted', { namespace: 'orders', name: 'cache-0' }));
    const done = { node: 'node-9', evicted: 2, failed: [{ namespace: 'orders', name: 'db-0', code: 'timeout' }], timedOut: true };
    progress = applyDrainFrame(progress, frame('done', done));
    expect(progress.pods.map((p) => p.state)).toEqual(['evicted', 'failed', 'evicted']);
    expect(progress.pods[1].message).toBe('timeout');
    expect(progress.done).toEqual(done);
    expect(summaryText(done)).toBe('Drain of node-9 ended: 2 evicted, 1 failed (timed out).');
  });

  it('adds a pod the plan did not name, keeps notices, and skips what it cannot read', () => {
    let progress = applyDrainFrame(EMPTY_PROGRESS, frame('evicted', { namespace: 'a', name: 'b' }));
    expect(progress.pods).toEqual([{ namespace: 'a', name: 'b', state: 'evicted', message: undefined }]);
    progress = applyDrainFrame(progress, frame('notice', { message: 'the server is stopping' }));
    expect(progress.notice).toBe('the server is stopping');
    expect(applyDrainFrame(progress, { event: 'evicted', data: 'not json' })).toBe(progress);
    expect(applyDrainFrame(progress, frame('evicted', { name: 'no namespace' }))).toBe(progress);
    expect(applyDrainFrame(progress, frame('mystery', {}))).toBe(progress);
  });
});
