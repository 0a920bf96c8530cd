// A watch stream's frames as the console acts on them, and when to reconnect. The same frames
// arrive over the multiplexed WebSocket (`{id, event, data, seq}`, seq the `<epoch>-<seq>` to
// resume from) and over SSE (event name, JSON data, the same id): `snapshot`,
// `added`/`modified`/`deleted`, `relist`/`backpressure` (a snapshot follows), and the frames
// that end a stream: `server_shutdown`, `auth_expired`, `error` `{message, code}`.
import type { ResourceRow } from '../api/types';
import type { WatchFrame } from './listPatch';

/** What a subscriber is told. */
export type WatchStep =
  /** Rows to apply to the cached list (listPatch.applyWatchFrame). */
  | { type: 'frame'; frame: WatchFrame<ResourceRow> }
  /** The server starts over (relist, backpressure, a lost frame): a snapshot follows. */
  | { type: 'resync'; reason: string }
  /** The connection is gone; the client tries again in `inMs`. */
  | { type: 'reconnecting'; inMs: number }
  /** Neither the WebSocket nor SSE can be had: the caller polls instead. */
  | { type: 'unavailable' }
  /** The session behind the stream expired: the stream is over. */
  | { type: 'signedOut' }
  /** The stream ended with an error; `retrying` unless asking again cannot help (no access, no such kind). */
  | { type: 'error'; message: string; code: string; retrying: boolean };

/**
 * What the transport does after a frame besides telling the subscriber: nothing; open the
 * connection again later (the server shuts down); subscribe again later (this stream ended with
 * an error worth retrying); or stop for good.
 */
export type WatchControl = 'none' | 'reconnect' | 'resubscribe' | 'close';

/**
 * Error codes that a new subscription would get again: the stream stops (and the view polls).
 * `stream_cap`: the user holds as many streams as the server allows, as Periscope's console does.
 */
const FINAL_ERRORS = new Set([
  'kube_forbidden',
  'forbidden',
  'not_found',
  'resource_not_found',
  'not_listable',
  'no_connection',
  'invalid_message',
  'invalid_query',
  'invalid_selector',
  'stream_cap',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRow(value: unknown): value is ResourceRow {
  return isRecord(value) && typeof value.name === 'string' && isRecord(value.summary);
}

/**
 * The step and the transport's action for one frame; null for a frame the console does not
 * know or cannot read (it is skipped: a later snapshot repairs anything it missed).
 */
export function decodeWatchEvent(event: string, data: unknown): { step: WatchStep | null; control: WatchControl } | null {
  const body = isRecord(data) ? data : {};
  switch (event) {
    case 'snapshot': {
      if (!Array.isArray(body.items)) return null;
      const rows = body.items.filter(isRow);
      const resourceVersion = typeof body.resourceVersion === 'string' ? body.resourceVersion : '';
      return { step: { type: 'frame', frame: { type: 'snapshot', rows, resourceVersion } }, control: 'none' };
    }
    case 'added':
    case 'modified':
    case 'deleted':
      if (!isRow(body.object)) return null;
      return { step: { type: 'frame', frame: { type: event, row: body.object } }, control: 'none' };
    case 'relist':
      return { step: { type: 'resync', reason: typeof body.reason === 'string' ? body.reason : 'relist' }, control: 'none' };
    case 'backpressure':
      return { step: { type: 'resync', reason: 'backpressure' }, control: 'none' };
    case 'server_shutdown':
      return { step: null, control: 'reconnect' };
    case 'auth_expired':
      return { step: { type: 'signedOut' }, control: 'close' };
    case 'error': {
      const code = typeof body.code === 'string' ? body.code : 'stream_error';
      const retrying = !FINAL_ERRORS.has(code);
      const message = typeof body.message === 'string' ? body.message : 'the stream failed';
      return { step: { type: 'error', message, code, retrying }, control: retrying ? 'resubscribe' : 'close' };
    }
    default:
      return null;
  }
}

/** A frame's data: the WebSocket carries it as JSON or as a JSON string, SSE as text. */
export function parseFrameData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** The wait before reconnect attempt `attempt` (0-based): 1 s, doubling, at most 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
}

/** Failed WebSocket connections in a row that never opened before the console uses SSE instead. */
export const SOCKET_ATTEMPTS_BEFORE_SSE = 2;

/**
 * After the WebSocket closed: try it again, or give up on it for SSE. A socket that once opened
 * is worth reconnecting; one that never opened (a proxy that refuses upgrades, a server without
 * the route) is, after a few tries, not.
 */
export function afterSocketClosed(state: { everOpened: boolean; failuresBeforeOpen: number }): 'reconnect' | 'useSse' {
  if (state.everOpened) return 'reconnect';
  return state.failuresBeforeOpen >= SOCKET_ATTEMPTS_BEFORE_SSE ? 'useSse' : 'reconnect';
}
