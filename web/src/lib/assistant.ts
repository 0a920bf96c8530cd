// The assistant's pure parts: an answer split at its citation markers, each matched to the
// reference it numbers, and the console page of a reference.
import type { Citation } from '../api/types';
import { findingsViewToSearch, EMPTY_FINDING_FILTERS, FINDINGS_ROUTE } from './findings';
import { incidentRoute } from './incidents';
import { runbookRoute } from './runbooks';

export const ASSISTANT_ROUTE = '/assistant';
export const QUESTION_MAX = 1000;

export type AnswerPart = { type: 'text'; text: string } | { type: 'cite'; n: number; citation: Citation | null };

/** `[1]`, `[2, 3]`, `[1][2]` (each bracket on its own). */
const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/**
 * The answer as text and citation markers, `[n]` matched to the n-th citation (1-based); a
 * number with no citation stays a marker without one (shown, not linked).
 */
export function answerParts(answer: string, citations: readonly Citation[]): AnswerPart[] {
  const parts: AnswerPart[] = [];
  let at = 0;
  for (const match of answer.matchAll(MARKER)) {
    if (match.index > at) parts.push({ type: 'text', text: answer.slice(at, match.index) });
    for (const n of match[1].split(',').map((x) => Number(x.trim()))) parts.push({ type: 'cite', n, citation: citations[n - 1] ?? null });
    at = match.index + match[0].length;
  }
  if (at < answer.length) parts.push({ type: 'text', text: answer.slice(at) });
  return parts;
}

/** The citation numbers an answer uses, in order, once each. */
export function citedNumbers(answer: string): number[] {
  const seen = new Set<number>();
  for (const part of answerParts(answer, [])) if (part.type === 'cite') seen.add(part.n);
  return [...seen];
}

/**
 * Where a reference opens in the console: a runbook, an incident, a finding's evidence; null for
 * a doc section (the binary does not serve the docs: shown by its file and anchor).
 */
export function citationRoute(c: Pick<Citation, 'kind' | 'id'>): string | null {
  switch (c.kind) {
    case 'runbook':
      return runbookRoute(c.id);
    case 'incident':
      return incidentRoute(c.id);
    case 'finding':
      // Every state: a cited finding may have resolved since.
      return `${FINDINGS_ROUTE}?${findingsViewToSearch({ filters: { ...EMPTY_FINDING_FILTERS, state: 'all' }, selected: c.id }).toString()}`;
    default:
      return null;
  }
}

/** A citation's key in a list and in the feedback given. */
export const citationKey = (c: Pick<Citation, 'kind' | 'id'>) => `${c.kind}:${c.id}`;
