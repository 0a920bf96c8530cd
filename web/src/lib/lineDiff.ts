// A line diff of two texts (the live YAML against a dry run's), as unified-diff lines with a few
// lines of context around each change; the same line kinds as a Helm diff (helm.ts), so the
// same view shows it.
import type { DiffLineKind } from './helm';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

type Op = { kind: 'added' | 'removed' | 'context'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** The edit script from `a` to `b` by longest common subsequence, the common ends trimmed first. */
function editScript(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..].
  const lcs = Array.from({ length: midA.length + 1 }, () => new Uint32Array(midB.length + 1));
  for (let i = midA.length - 1; i >= 0; i--) {
    for (let j = midB.length - 1; j >= 0; j--) {
      lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: 'context', line }));
  let i = 0;
  let j = 0;
  while (i < midA.length || j < midB.length) {
    if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
      ops.push({ kind: 'context', line: midA[i] });
      i++;
      j++;
    } else if (j < midB.length && (i === midA.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      ops.push({ kind: 'added', line: midB[j++] });
    } else {
      ops.push({ kind: 'removed', line: midA[i++] });
    }
  }
  for (const line of a.slice(endA)) ops.push({ kind: 'context', line });
  return groupChanges(ops);
}

/** Removals before additions within each change: the LCS walk may interleave them, which reads worse. */
function groupChanges(ops: Op[]): Op[] {
  const out: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.kind === 'removed') removed.push(op);
    else if (op.kind === 'added') added.push(op);
    else {
      flush();
      out.push(op);
    }
  }
  flush();
  return out;
}

/**
 * The changes from `before` to `after`, each with `context` lines around it and a `@@ -a,n +b,m @@`
 * line opening each hunk; empty when the texts have the same lines.
 */
export function lineDiff(before: string, after: string, context = 3): DiffLine[] {
  const ops = editScript(splitLines(before), splitLines(after));
  const changed = ops.map((op, index) => (op.kind === 'context' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return [];

  // Hunks: runs of ops within `context` of a change, merged when they touch.
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(ops.length, index + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else hunks.push([from, to]);
  }

  const out: DiffLine[] = [];
  for (const [from, to] of hunks) {
    // Line numbers (1-based) where the hunk starts in each text.
    const before = ops.slice(0, from);
    const startA = before.filter((op) => op.kind !== 'added').length + 1;
    const startB = before.filter((op) => op.kind !== 'removed').length + 1;
    const body = ops.slice(from, to);
    const countA = body.filter((op) => op.kind !== 'added').length;
    const countB = body.filter((op) => op.kind !== 'removed').length;
    out.push({ kind: 'hunk', text: `@@ -${startA},${countA} +${startB},${countB} @@` });
    for (const op of body) out.push({ kind: op.kind, text: `${op.kind === 'added' ? '+' : op.kind === 'removed' ? '-' : ' '}${op.line}` });
  }
  return out;
}

/** How many lines were added and removed. */
export function diffCounts(lines: readonly DiffLine[]): { added: number; removed: number } {
  return { added: lines.filter((l) => l.kind === 'added').length, removed: lines.filter((l) => l.kind === 'removed').length };
}
