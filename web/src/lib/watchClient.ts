// The console's watch streams: every subscription over one multiplexed WebSocket
// (`/api/stream/ws`, so that live tables do not use up the browser's six connections per host),
// or, when the socket cannot be had, one EventSource per subscription (SSE). Reconnects resume
// from the last frame's id. The browser's WebSocket, EventSource and timers are passed in, so
// the logic runs (and is tested) without a browser.
import { kindSegments, groupSegment, type KindRef } from './kinds';
import { listQuery } from './listView';
import { afterSocketClosed, decodeWatchEvent, parseFrameData, reconnectDelay, type WatchStep } from './watchStream';

export interface WatchSpec {
  cluster: string;
  kind: KindRef;
  namespace: string | null;
  labelSelector: string;
}

export type WatchListener = (step: WatchStep) => void;

/** The part of a WebSocket the client uses. */
export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  send(text: string): void;
  close(): void;
}

/** The part of an EventSource the client uses. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data?: unknown; lastEventId?: string }) => void): void;
  close(): void;
  /** 2 (CLOSED): the browser gave up (an HTTP error); otherwise it reconnects by itself. */
  readonly readyState: number;
}

export interface WatchEnvironment {
  openSocket: () => SocketLike;
  openEventSource: (url: string) => EventSourceLike;
  /** Runs `fn` after `ms`; answers a function that cancels it. */
  schedule: (fn: () => void, ms: number) => () => void;
}

/** The events a stream sends (the SSE event names). */
const STREAM_EVENTS = ['snapshot', 'added', 'modified', 'deleted', 'relist', 'backpressure', 'server_shutdown', 'auth_expired', 'error'];
const EVENT_SOURCE_CLOSED = 2;
/** The WebSocket close code of an ended session (the server's 1008). */
const SESSION_ENDED = 1008;
/** How long an unused socket stays open, so that moving between tables reuses it. */
const IDLE_CLOSE_MS = 10_000;
/** EventSource's own wait before it reconnects. */
const EVENT_SOURCE_RETRY_MS = 3_000;

/** The SSE stream of `spec`, resuming after `lastEventId` when given. */
export function watchSsePath(spec: WatchSpec, lastEventId?: string): string {
  const query = new URLSearchParams(listQuery(spec));
  if (lastEventId) query.set('lastEventId', lastEventId);
  const q = query.toString();
  return `/api/clusters/${encodeURIComponent(spec.cluster)}/watch/${kindSegments(spec.kind)}${q ? `?${q}` : ''}`;
}

/** The WebSocket message that opens subscription `id`. */
export function subscribeMessage(id: string, spec: WatchSpec, lastEventId?: string): string {
  return JSON.stringify({
    type: 'subscribe',
    id,
    cluster: spec.cluster,
    group: groupSegment(spec.kind.group),
    version: spec.kind.version,
    resource: spec.kind.resource,
    ...(spec.namespace ? { namespace: spec.namespace } : {}),
    ...(spec.labelSelector.trim() ? { labelSelector: spec.labelSelector.trim() } : {}),
    ...(lastEventId ? { lastEventId } : {}),
  });
}

interface Subscription {
  id: string;
  spec: WatchSpec;
  listener: WatchListener;
  /** The id of the last frame seen: where a new subscription resumes. */
  lastEventId?: string;
  /** Failed attempts since the last snapshot. */
  failures: number;
  eventSource?: EventSourceLike;
  cancelRetry?: () => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class WatchClient {
  private readonly env: WatchEnvironment;
  private readonly subscriptions = new Map<string, Subscription>();
  private nextId = 1;
  private socket: SocketLike | null = null;
  private socketOpen = false;
  private everOpened = false;
  private failuresBeforeOpen = 0;
  private reconnects = 0;
  private useSse = false;
  private cancelReconnect?: () => void;
  private cancelIdleClose?: () => void;

  constructor(env: WatchEnvironment) {
    this.env = env;
  }

  /** Starts streaming `spec` to `listener`; answers the function that stops it. */
  subscribe(spec: WatchSpec, listener: WatchListener): () => void {
    const sub: Subscription = { id: `w${this.nextId++}`, spec, listener, failures: 0 };
    this.subscriptions.set(sub.id, sub);
    this.cancelIdleClose?.();
    this.cancelIdleClose = undefined;
    if (this.useSse) this.openEventSource(sub);
    else if (this.socketOpen) this.socket?.send(subscribeMessage(sub.id, spec));
    else if (!this.socket && !this.cancelReconnect) this.openSocket();
    return () => this.unsubscribe(sub.id);
  }

  /** Which transport carries the streams now (for the page's status line). */
  get transport(): 'websocket' | 'sse' {
    return this.useSse ? 'sse' : 'websocket';
  }

  private unsubscribe(id: string): void {
    const sub = this.subscriptions.get(id);
    if (!sub) return;
    this.stop(sub);
    if (this.socketOpen) this.socket?.send(JSON.stringify({ type: 'unsubscribe', id }));
    if (this.subscriptions.size === 0 && this.socket) {
      this.cancelIdleClose = this.env.schedule(() => {
        this.cancelIdleClose = undefined;
        if (this.subscriptions.size > 0) return;
        const socket = this.socket;
        this.socket = null;
        this.socketOpen = false;
        if (socket) socket.onclose = null;
        socket?.close();
      }, IDLE_CLOSE_MS);
    }
  }

  /** Forgets `sub` and whatever it has open. */
  private stop(sub: Subscription): void {
    this.subscriptions.delete(sub.id);
    sub.cancelRetry?.();
    sub.eventSource?.close();
  }

  private openSocket(): void {
    const socket = this.env.openSocket();
    this.socket = socket;
    socket.onopen = () => {
      this.socketOpen = true;
      this.everOpened = true;
      this.reconnects = 0;
      for (const sub of this.subscriptions.values()) socket.send(subscribeMessage(sub.id, sub.spec, sub.lastEventId));
    };
    socket.onmessage = (event) => this.onSocketMessage(event.data);
    socket.onclose = (event) => this.onSocketClosed(event.code);
  }

  private onSocketClosed(code: number): void {
    const wasOpen = this.socketOpen;
    this.socket = null;
    this.socketOpen = false;
    if (!wasOpen) this.failuresBeforeOpen += 1;
    if (code === SESSION_ENDED) {
      for (const sub of [...this.subscriptions.values()]) {
        this.stop(sub);
        sub.listener({ type: 'signedOut' });
      }
      return;
    }
    if (this.subscriptions.size === 0) return;
    if (afterSocketClosed({ everOpened: this.everOpened, failuresBeforeOpen: this.failuresBeforeOpen }) === 'useSse') {
      this.useSse = true;
      for (const sub of this.subscriptions.values()) this.openEventSource(sub);
      return;
    }
    const inMs = reconnectDelay(this.reconnects);
    this.reconnects += 1;
    for (const sub of this.subscriptions.values()) sub.listener({ type: 'reconnecting', inMs });
    this.cancelReconnect = this.env.schedule(() => {
      this.cancelReconnect = undefined;
      if (this.subscriptions.size > 0) this.openSocket();
    }, inMs);
  }

  private onSocketMessage(raw: unknown): void {
    const message = parseFrameData(raw);
    // A frame without a subscription answers a message the server could not read: nothing to do.
    if (!isRecord(message) || typeof message.id !== 'string' || typeof message.event !== 'string') return;
    const sub = this.subscriptions.get(message.id);
    if (!sub) return;
    if (typeof message.seq === 'string') sub.lastEventId = message.seq;
    this.deliver(sub, message.event, parseFrameData(message.data));
  }

  private deliver(sub: Subscription, event: string, data: unknown): void {
    const decoded = decodeWatchEvent(event, data);
    if (!decoded) return;
    if (decoded.step?.type === 'frame' && decoded.step.frame.type === 'snapshot') sub.failures = 0;
    if (decoded.step) sub.listener(decoded.step);
    if (decoded.control === 'close') this.stop(sub);
    else if (decoded.control === 'resubscribe') this.retryLater(sub);
    // 'reconnect' (server_shutdown): the socket closes next and onSocketClosed reconnects; an
    // EventSource reconnects by itself.
  }

  /** Subscribes `sub` again after a backoff (its stream ended with an error worth retrying). */
  private retryLater(sub: Subscription): void {
    const inMs = reconnectDelay(sub.failures);
    sub.failures += 1;
    sub.listener({ type: 'reconnecting', inMs });
    sub.cancelRetry?.();
    sub.cancelRetry = this.env.schedule(() => {
      sub.cancelRetry = undefined;
      if (!this.subscriptions.has(sub.id)) return;
      if (this.useSse) this.openEventSource(sub);
      else if (this.socketOpen) this.socket?.send(subscribeMessage(sub.id, sub.spec, sub.lastEventId));
    }, inMs);
  }

  private openEventSource(sub: Subscription): void {
    sub.eventSource?.close();
    const source = this.env.openEventSource(watchSsePath(sub.spec, sub.lastEventId));
    sub.eventSource = source;
    for (const event of STREAM_EVENTS) {
      source.addEventListener(event, (message) => {
        if (sub.eventSource !== source) return;
        if (event === 'error' && message.data === undefined) {
          this.onEventSourceFailed(sub, source);
          return;
        }
        if (message.lastEventId) sub.lastEventId = message.lastEventId;
        this.deliver(sub, event, parseFrameData(message.data));
        // The server ends the stream after an error; only a retryable one is reopened (by retryLater).
        if (event === 'error') source.close();
      });
    }
  }

  /** A connection error (no data): the browser reconnects by itself unless it gave up. */
  private onEventSourceFailed(sub: Subscription, source: EventSourceLike): void {
    if (source.readyState !== EVENT_SOURCE_CLOSED) {
      sub.listener({ type: 'reconnecting', inMs: EVENT_SOURCE_RETRY_MS });
      return;
    }
    source.close();
    sub.eventSource = undefined;
    sub.listener({ type: 'unavailable' });
    const inMs = reconnectDelay(sub.failures);
    sub.failures += 1;
    sub.cancelRetry = this.env.schedule(() => {
      sub.cancelRetry = undefined;
      if (this.subscriptions.has(sub.id)) this.openEventSource(sub);
    }, inMs);
  }
}
