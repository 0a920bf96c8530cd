import { describe, expect, it } from 'vitest';
import type { AuditVerification } from '../api/types';
import { chainState } from './auditChain';

const intact: AuditVerification = {
  ok: true,
  checked: 120,
  anchor: { seq: 0, hash: '0'.repeat(64) },
  head: { seq: 120, hash: 'ab'.repeat(32) },
  firstBroken: null,
};

describe('audit chain badge', () => {
  it('counts the rows of an intact chain', () => {
    expect(chainState(intact)).toEqual({ tone: 'good', label: 'chain verified: 120 rows', detail: `head 120: ${'ab'.repeat(32)}` });
    expect(chainState({ ...intact, checked: 1 }).label).toBe('chain verified: 1 row');
  });

  it('names the broken row and what is wrong with it', () => {
    const state = chainState({
      ...intact,
      ok: false,
      checked: 61,
      firstBroken: { seq: 61, id: '0198-row', at: '2025-03-01T12:00:00Z', problem: 'row_altered', expected: 'aa', found: 'bb' },
    });
    expect(state.tone).toBe('bad');
    expect(state.label).toBe('broken at 0198-row');
    expect(state.detail).toBe('the row was changed after it was written (seq 61; expected aa, found bb)');
  });

  it('falls back to the position when the row is gone', () => {
    const state = chainState({
      ...intact,
      ok: false,
      firstBroken: { seq: 121, id: null, at: null, problem: 'head_mismatch', expected: '121:cc', found: '120:dd' },
    });
    expect(state.label).toBe('broken at seq 121');
  });
});
