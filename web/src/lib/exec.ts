// Pod exec in the console: the route's URL, the JSON frames each way (docs/api.md, "Exec"), the
// permission check asked before connecting, and the words for how a session ended or was refused.
import type { ApiError } from '../api/client';
import type { CanIRequest } from '../api/types';

export interface ExecOptions {
  /** null: the server picks (the pod's default container, else its first). */
  container: string | null;
  /** Empty: the server's default shell. */
  command: string[];
  tty: boolean;
}

export type ServerFrame =
  | { type: 'ready'; container: string; command: string[]; tty: boolean }
  | { type: 'stdout'; data: string }
  | { type: 'stderr'; data: string }
  | { type: 'exit'; code: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'warning'; message: string };

/** One of the caller's open sessions, as a 429 lists them. */
export interface OpenSession {
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  since: string;
}

/** The route's path and query. */
export function execPath(cluster: string, namespace: string, pod: string, options: ExecOptions): string {
  const query = new URLSearchParams();
  if (options.container) query.set('container', options.container);
  for (const arg of options.command) query.append('command', arg);
  if (options.tty) query.set('tty', 'true');
  const q = query.toString();
  const base = `/api/clusters/${encodeURIComponent(cluster)}/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/exec`;
  return q ? `${base}?${q}` : base;
}

/** The WebSocket URL of `path` on the page's own server. */
export function socketUrl(location: { protocol: string; host: string }, path: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}

export const stdinFrame = (data: string): string => JSON.stringify({ type: 'stdin', data });
export const closeFrame = (): string => JSON.stringify({ type: 'close' });

/** A resize frame, or null for a size the server would refuse (a hidden terminal measures 0). */
export function resizeFrame(cols: number, rows: number): string | null {
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 65535 || rows > 65535) return null;
  return JSON.stringify({ type: 'resize', cols, rows });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A frame from the server, or null for anything else. */
export function parseServerFrame(text: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const str = (key: string) => typeof value[key] === 'string';
  switch (value.type) {
    case 'ready':
      return str('container') && Array.isArray(value.command) && typeof value.tty === 'boolean' ? (value as ServerFrame) : null;
    case 'stdout':
    case 'stderr':
      return str('data') ? (value as ServerFrame) : null;
    case 'exit':
      return typeof value.code === 'number' ? (value as ServerFrame) : null;
    case 'error':
      return str('code') && str('message') ? (value as ServerFrame) : null;
    case 'warning':
      return str('message') ? (value as ServerFrame) : null;
    default:
      return null;
  }
}

/** Whether a frame ends the session (the socket closes after it). */
export function isLast(frame: ServerFrame): boolean {
  return frame.type === 'exit' || (frame.type === 'error' && frame.code !== 'invalid_frame');
}

/** The line shown when a session ends with this frame. */
export function endText(frame: ServerFrame): string {
  if (frame.type === 'exit') return `The process exited with code ${frame.code}.`;
  if (frame.type === 'error') return frame.code === 'idle_timeout' ? `Closed for being idle: ${frame.message}` : frame.message;
  return '';
}

/** The can-i question the terminal asks first: may the caller exec into this pod. */
export function execCheck(namespace: string, pod: string): CanIRequest {
  return { checks: [{ verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace, name: pod }] };
}

/** The open sessions a 429 lists. */
export function openSessions(error: ApiError): OpenSession[] {
  const sessions = error.details?.sessions;
  if (!Array.isArray(sessions)) return [];
  return sessions.filter((s): s is OpenSession => isRecord(s) && typeof s.pod === 'string' && typeof s.since === 'string');
}

/** Why a session could not open, from the error the same request answers without an upgrade. */
export function refusalText(error: ApiError): string {
  const sessions = openSessions(error);
  if (sessions.length === 0) return error.message;
  const list = sessions.map((s) => `${s.cluster}/${s.namespace}/${s.pod} (${s.container}) since ${s.since}`).join('; ');
  return `${error.message} Open sessions: ${list}.`;
}
