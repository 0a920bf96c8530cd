import type { AuditVerification, ChainProblem } from '../api/types';

/** What the audit page's chain badge says: its colour, its text and the detail on hover. */
export interface ChainState {
  tone: 'good' | 'bad';
  label: string;
  detail: string;
}

const PROBLEMS: Record<ChainProblem, string> = {
  row_altered: 'the row was changed after it was written',
  link_broken: 'the row does not follow the row before it',
  rows_missing: 'rows before this one were deleted',
  head_mismatch: 'the last rows were deleted or rewritten',
};

/** The badge for a verification of the whole chain (GET /api/audit/verify). */
export function chainState(v: AuditVerification): ChainState {
  const broken = v.firstBroken;
  if (!broken) {
    const rows = v.checked === 1 ? 'row' : 'rows';
    return { tone: 'good', label: `chain verified: ${v.checked} ${rows}`, detail: `head ${v.head.seq}: ${v.head.hash}` };
  }
  const where = broken.id ?? `seq ${broken.seq}`;
  return {
    tone: 'bad',
    label: `broken at ${where}`,
    detail: `${PROBLEMS[broken.problem]} (seq ${broken.seq}; expected ${broken.expected}, found ${broken.found})`,
  };
}
