// The fleet-wide search palette: the request, the hits in the server's rank (exact, prefix,
// substring) grouped for display, the page a hit opens, and moving the selection with the keys.
import type { SearchHit, SearchMatch } from '../api/types';
import { clusterRoutes } from './clusterRoutes';

export const SEARCH_LIMIT = 50;

/** GET /api/search for `query`; null when there is nothing to search for. */
export function searchPath(query: string, limit = SEARCH_LIMIT): string | null {
  const q = query.trim();
  if (q === '') return null;
  return `/api/search?${new URLSearchParams({ q, limit: String(limit) }).toString()}`;
}

const MATCHES: { match: SearchMatch; title: string }[] = [
  { match: 'exact', title: 'Exact matches' },
  { match: 'prefix', title: 'Starting with' },
  { match: 'substring', title: 'Containing' },
];

export interface HitSection {
  title: string;
  /** Each hit with its place in the whole list (what the arrows move through). */
  hits: { hit: SearchHit; index: number }[];
}

/**
 * The hits under one heading per kind of match, best first; within one, the server's order.
 * The indexes run through the sections in the order they are shown.
 */
export function hitSections(hits: readonly SearchHit[]): HitSection[] {
  let index = 0;
  const sections: HitSection[] = [];
  for (const { match, title } of MATCHES) {
    const ofMatch = hits.filter((h) => h.match === match);
    if (ofMatch.length > 0) sections.push({ title, hits: ofMatch.map((hit) => ({ hit, index: index++ })) });
  }
  return sections;
}

/** The hits in the order hitSections shows them. */
export function orderedHits(hits: readonly SearchHit[]): SearchHit[] {
  return hitSections(hits).flatMap((s) => s.hits.map((h) => h.hit));
}

/** The page of a hit: the object's detail page in its cluster. */
export function hitRoute(hit: SearchHit): string {
  return clusterRoutes.detail(hit.cluster, { group: hit.group, version: hit.version, resource: hit.resource }, hit.namespace, hit.name);
}

/** The selection after an arrow key: down (+1) and up (-1) wrap around; nothing to select is -1. */
export function moveSelection(current: number, delta: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (current < 0) return delta === 1 ? 0 : count - 1;
  return (current + delta + count) % count;
}

/** `namespace/name`, or the name alone for cluster-scoped objects. */
export function hitName(hit: SearchHit): string {
  return hit.namespace ? `${hit.namespace}/${hit.name}` : hit.name;
}
