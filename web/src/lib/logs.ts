// The logs viewer: the stream's URL and frames (`log` {pod, container, line, timestamp?},
// `error` {message}, `end` {}), the lines kept, the containers to pick from, and a colour per
// pod for a workload's logs.
import type { KubeObject } from '../api/types';
import { matches } from './highlight';
import { kindSegments, type KindRef } from './kinds';
import { podSpecOf } from './objectDetail';

export interface LogLine {
  /** Order of arrival: the key of the line on screen. */
  seq: number;
  pod: string;
  container: string;
  line: string;
  timestamp?: string;
}

export interface LogOptions {
  /** null: the server's choice (a pod's only container; every container of a workload). */
  container: string | null;
  previous: boolean;
  timestamps: boolean;
  tailLines: number;
}

const WORKLOADS = new Set(['apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs']);

/** Whether objects of `kind` have logs: pods, and the workloads whose pods the server reads together. */
export function hasLogs(kind: KindRef): boolean {
  return (kind.group === '' && kind.resource === 'pods') || WORKLOADS.has(`${kind.group}/${kind.resource}`);
}

export function isPodKind(kind: KindRef): boolean {
  return kind.group === '' && kind.resource === 'pods';
}

/**
 * The logs stream of a pod (`/api/clusters/{c}/pods/{ns}/{name}/logs`) or of a workload
 * (`…/resources/{group}/{version}/{resource}/{ns}/{name}/logs`); `download` asks for the
 * same lines as a text attachment instead.
 */
export function logsPath(cluster: string, kind: KindRef, namespace: string, name: string, options: LogOptions, download = false): string {
  const enc = encodeURIComponent;
  const base = isPodKind(kind)
    ? `/api/clusters/${enc(cluster)}/pods/${enc(namespace)}/${enc(name)}/logs`
    : `/api/clusters/${enc(cluster)}/resources/${kindSegments(kind)}/${enc(namespace)}/${enc(name)}/logs`;
  const query = new URLSearchParams();
  if (options.container) query.set('container', options.container);
  query.set('tailLines', String(options.tailLines));
  if (options.previous) query.set('previous', 'true');
  if (options.timestamps) query.set('timestamps', 'true');
  // Previous logs are over: there is nothing to follow.
  if (download) query.set('download', 'true');
  else query.set('follow', String(!options.previous));
  return `${base}?${query.toString()}`;
}

export type LogEvent = { type: 'line'; pod: string; container: string; line: string; timestamp?: string } | { type: 'end' } | { type: 'error'; message: string };

/** One frame of the logs stream; null for one the console cannot read. */
export function decodeLogEvent(event: string, data: unknown): LogEvent | null {
  const body = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  switch (event) {
    case 'log':
      if (typeof body.line !== 'string') return null;
      return {
        type: 'line',
        pod: typeof body.pod === 'string' ? body.pod : '',
        container: typeof body.container === 'string' ? body.container : '',
        line: body.line,
        ...(typeof body.timestamp === 'string' ? { timestamp: body.timestamp } : {}),
      };
    case 'end':
      return { type: 'end' };
    case 'error':
      return { type: 'error', message: typeof body.message === 'string' ? body.message : 'the log stream failed' };
    default:
      return null;
  }
}

/** The lines kept on screen: the newest `cap` of them. */
export function appendLines(lines: readonly LogLine[], more: readonly LogLine[], cap: number): LogLine[] {
  const all = lines.concat(more);
  return all.length > cap ? all.slice(all.length - cap) : all;
}

/** The lines that contain `query`, or all of them when `onlyMatches` is off. */
export function visibleLines(lines: readonly LogLine[], query: string, onlyMatches: boolean): readonly LogLine[] {
  return onlyMatches && query !== '' ? lines.filter((l) => matches(l.line, query)) : lines;
}

export function countMatchingLines(lines: readonly LogLine[], query: string): number {
  return query === '' ? 0 : lines.reduce((n, l) => (matches(l.line, query) ? n + 1 : n), 0);
}

/** How many colours the viewer has for pods (styles.css `.log-pod-0` … `.log-pod-7`). */
export const POD_COLOURS = 8;

/** The colour of `pod`: pods in order of first appearance, cycling through the palette. */
export function podColour(pods: readonly string[], pod: string): number {
  const at = pods.indexOf(pod);
  return (at === -1 ? pods.length : at) % POD_COLOURS;
}

/** The pods of `lines` in order of first appearance. */
export function podsInOrder(lines: readonly LogLine[]): string[] {
  const seen = new Set<string>();
  for (const l of lines) seen.add(l.pod);
  return [...seen];
}

function containerNames(list: unknown): string[] {
  return Array.isArray(list) ? list.map((c: { name?: unknown }) => c.name).filter((n): n is string => typeof n === 'string') : [];
}

/** The containers whose logs can be read: init containers first, as they run. */
export function logContainers(object: KubeObject): { name: string; init: boolean }[] {
  const spec = podSpecOf(object);
  if (!spec) return [];
  return [
    ...containerNames(spec.initContainers).map((name) => ({ name, init: true })),
    ...containerNames(spec.containers).map((name) => ({ name, init: false })),
  ];
}
