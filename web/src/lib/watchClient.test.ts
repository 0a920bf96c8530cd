import { beforeEach, describe, expect, it } from 'vitest';
import type { ResourceRow } from '../api/types';
import { subscribeMessage, watchSsePath, WatchClient, type EventSourceLike, type SocketLike, type WatchSpec } from './watchClient';
import { afterSocketClosed, decodeWatchEvent, parseFrameData, reconnectDelay, type WatchStep } from './watchStream';

const row = (name: string): ResourceRow => ({
  name,
  namespace: 'shop',
  uid: name,
  createdAt: null,
  labels: {},
  status: 'Running',
  restarts: 0,
  summary: { type: 'other' },
});

describe('decodeWatchEvent', () => {
  it('turns row frames into list patches', () => {
    expect(decodeWatchEvent('snapshot', { resourceVersion: '7', items: [row('a'), { junk: true }] })).toEqual({
      step: { type: 'frame', frame: { type: 'snapshot', rows: [row('a')], resourceVersion: '7' } },
      control: 'none',
    });
    expect(decodeWatchEvent('modified', { object: row('a') })?.step).toEqual({ type: 'frame', frame: { type: 'modified', row: row('a') } });
    expect(decodeWatchEvent('deleted', { object: { name: 'a' } })).toBeNull();
  });

  it('says what follows a relist, backpressure and the ending frames', () => {
    expect(decodeWatchEvent('relist', { reason: 'gone_410' })).toEqual({ step: { type: 'resync', reason: 'gone_410' }, control: 'none' });
    expect(decodeWatchEvent('backpressure', {})?.step).toEqual({ type: 'resync', reason: 'backpressure' });
    expect(decodeWatchEvent('server_shutdown', {})).toEqual({ step: null, control: 'reconnect' });
    expect(decodeWatchEvent('auth_expired', {})).toEqual({ step: { type: 'signedOut' }, control: 'close' });
    expect(decodeWatchEvent('bookmark', {})).toBeNull();
  });

  it('retries errors unless asking again cannot help', () => {
    expect(decodeWatchEvent('error', { message: 'warming', code: 'cache_warming' })).toEqual({
      step: { type: 'error', message: 'warming', code: 'cache_warming', retrying: true },
      control: 'resubscribe',
    });
    expect(decodeWatchEvent('error', { message: 'no', code: 'kube_forbidden' })?.control).toBe('close');
    expect(decodeWatchEvent('error', { message: 'bad', code: 'invalid_selector' })?.control).toBe('close');
    expect(decodeWatchEvent('error', { message: 'cap', code: 'stream_cap' })?.control).toBe('close');
  });

  it('reads data sent as JSON text or as JSON', () => {
    expect(parseFrameData('{"a":1}')).toEqual({ a: 1 });
    expect(parseFrameData({ a: 1 })).toEqual({ a: 1 });
    expect(parseFrameData('not json')).toBeUndefined();
  });

  it('backs off to 30 s and gives up on a socket that never opened', () => {
    expect([0, 1, 2, 3, 10].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 30000]);
    expect(afterSocketClosed({ everOpened: true, failuresBeforeOpen: 5 })).toBe('reconnect');
    expect(afterSocketClosed({ everOpened: false, failuresBeforeOpen: 1 })).toBe('reconnect');
    expect(afterSocketClosed({ everOpened: false, failuresBeforeOpen: 2 })).toBe('useSse');
  });
});

const spec: WatchSpec = { cluster: 'prod', kind: { group: '', version: 'v1', resource: 'pods' }, namespace: 'shop', labelSelector: 'app=web' };

describe('watch requests', () => {
  it('names the kind with core for the core group', () => {
    expect(JSON.parse(subscribeMessage('w1', spec, '3-9'))).toEqual({
      type: 'subscribe',
      id: 'w1',
      cluster: 'prod',
      group: 'core',
      version: 'v1',
      resource: 'pods',
      namespace: 'shop',
      labelSelector: 'app=web',
      lastEventId: '3-9',
    });
    expect(JSON.parse(subscribeMessage('w2', { ...spec, namespace: null, labelSelector: '' }))).toEqual({
      type: 'subscribe',
      id: 'w2',
      cluster: 'prod',
      group: 'core',
      version: 'v1',
      resource: 'pods',
    });
    expect(watchSsePath(spec, '3-9')).toBe('/api/clusters/prod/watch/core/v1/pods?namespace=shop&labelSelector=app%3Dweb&lastEventId=3-9');
  });
});

class FakeSocket implements SocketLike {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  sent: unknown[] = [];
  closed = false;
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.closed = true;
  }
  frame(id: string, event: string, data: unknown, seq: string | null = null) {
    this.onmessage?.({ data: JSON.stringify({ id, event, data, seq }) });
  }
}

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  readonly url: string;
  private listeners = new Map<string, ((event: { data?: unknown; lastEventId?: string }) => void)[]>();
  constructor(url: string) {
    this.url = url;
  }
  addEventListener(type: string, listener: (event: { data?: unknown; lastEventId?: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, event: { data?: unknown; lastEventId?: string }) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

describe('WatchClient', () => {
  let sockets: FakeSocket[];
  let sources: FakeEventSource[];
  let timers: { fn: () => void; ms: number; cancelled: boolean }[];
  let client: WatchClient;

  beforeEach(() => {
    sockets = [];
    sources = [];
    timers = [];
    client = new WatchClient({
      openSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
      openEventSource: (url) => {
        const source = new FakeEventSource(url);
        sources.push(source);
        return source;
      },
      schedule: (fn, ms) => {
        const timer = { fn, ms, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    });
  });

  const runTimers = () => {
    const due = timers.filter((t) => !t.cancelled);
    timers = [];
    for (const t of due) t.fn();
  };

  it('multiplexes subscriptions over one socket and routes frames by id', () => {
    const a: WatchStep[] = [];
    const b: WatchStep[] = [];
    client.subscribe(spec, (s) => a.push(s));
    client.subscribe({ ...spec, kind: { group: 'apps', version: 'v1', resource: 'deployments' } }, (s) => b.push(s));
    expect(sockets).toHaveLength(1);
    sockets[0].onopen?.();
    expect(sockets[0].sent.map((m) => (m as { id: string }).id)).toEqual(['w1', 'w2']);

    sockets[0].frame('w2', 'snapshot', { resourceVersion: '1', items: [row('web')] }, '5-1');
    sockets[0].frame('w1', 'added', { object: row('db') }, '5-2');
    sockets[0].frame('w9', 'added', { object: row('ghost') });
    expect(b).toEqual([{ type: 'frame', frame: { type: 'snapshot', rows: [row('web')], resourceVersion: '1' } }]);
    expect(a).toEqual([{ type: 'frame', frame: { type: 'added', row: row('db') } }]);
    expect(client.transport).toBe('websocket');
  });

  it('unsubscribes, and closes the idle socket later', () => {
    const stop = client.subscribe(spec, () => {});
    sockets[0].onopen?.();
    stop();
    expect(sockets[0].sent.at(-1)).toEqual({ type: 'unsubscribe', id: 'w1' });
    expect(sockets[0].closed).toBe(false);
    runTimers();
    expect(sockets[0].closed).toBe(true);
  });

  it('reconnects a dropped socket and resumes each subscription from its last frame', () => {
    const steps: WatchStep[] = [];
    client.subscribe(spec, (s) => steps.push(s));
    sockets[0].onopen?.();
    sockets[0].frame('w1', 'added', { object: row('db') }, '5-2');
    sockets[0].onclose?.({ code: 1006 });
    expect(steps.at(-1)).toEqual({ type: 'reconnecting', inMs: 1000 });
    runTimers();
    expect(sockets).toHaveLength(2);
    sockets[1].onopen?.();
    expect(sockets[1].sent).toEqual([JSON.parse(subscribeMessage('w1', spec, '5-2'))]);
  });

  it('falls back to SSE when the socket never opens', () => {
    const steps: WatchStep[] = [];
    client.subscribe(spec, (s) => steps.push(s));
    sockets[0].onclose?.({ code: 1006 });
    runTimers();
    sockets[1].onclose?.({ code: 1006 });
    expect(client.transport).toBe('sse');
    expect(sources.map((s) => s.url)).toEqual([watchSsePath(spec)]);
    sources[0].emit('snapshot', { data: JSON.stringify({ resourceVersion: '2', items: [] }), lastEventId: '6-1' });
    expect(steps.at(-1)).toEqual({ type: 'frame', frame: { type: 'snapshot', rows: [], resourceVersion: '2' } });

    // Later subscriptions go straight to SSE.
    client.subscribe({ ...spec, namespace: null }, () => {});
    expect(sources).toHaveLength(2);
    expect(sockets).toHaveLength(2);
  });

  it('stops a subscription whose session expired, and every one on a 1008 close', () => {
    const a: WatchStep[] = [];
    const b: WatchStep[] = [];
    client.subscribe(spec, (s) => a.push(s));
    client.subscribe(spec, (s) => b.push(s));
    sockets[0].onopen?.();
    sockets[0].frame('w1', 'auth_expired', {});
    expect(a).toEqual([{ type: 'signedOut' }]);
    sockets[0].frame('w1', 'added', { object: row('late') });
    expect(a).toHaveLength(1);
    sockets[0].onclose?.({ code: 1008 });
    expect(b).toEqual([{ type: 'signedOut' }]);
    runTimers();
    expect(sockets).toHaveLength(1);
  });

  it('subscribes again after a retryable error, not after a final one', () => {
    const steps: WatchStep[] = [];
    client.subscribe(spec, (s) => steps.push(s));
    client.subscribe(spec, () => {});
    sockets[0].onopen?.();
    sockets[0].sent = [];
    sockets[0].frame('w1', 'error', { message: 'loading', code: 'cache_warming' });
    sockets[0].frame('w2', 'error', { message: 'no', code: 'kube_forbidden' });
    expect(steps.at(-1)).toEqual({ type: 'reconnecting', inMs: 1000 });
    runTimers();
    expect(sockets[0].sent).toEqual([JSON.parse(subscribeMessage('w1', spec))]);
  });

  it('tells SSE connection errors from error frames, and retries one the browser gave up on', () => {
    client.subscribe(spec, () => {});
    sockets[0].onclose?.({ code: 1006 });
    runTimers();
    const steps: WatchStep[] = [];
    sockets[1].onclose?.({ code: 1006 });
    client.subscribe(spec, (s) => steps.push(s));
    const source = sources[1];
    source.emit('error', {});
    expect(steps.at(-1)).toEqual({ type: 'reconnecting', inMs: 3000 });
    source.readyState = 2;
    source.emit('error', {});
    expect(steps.at(-1)).toEqual({ type: 'unavailable' });
    runTimers();
    expect(sources).toHaveLength(3);
    sources[2].emit('error', { data: JSON.stringify({ message: 'gone', code: 'resource_not_found' }) });
    expect(sources[2].closed).toBe(true);
    expect(steps.at(-1)).toMatchObject({ type: 'error', retrying: false });
  });
});
