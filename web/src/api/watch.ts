// The page's one watch client (lib/watchClient.ts) on the browser's WebSocket and EventSource.
import { WatchClient, type SocketLike } from '../lib/watchClient';

function openSocket(): SocketLike {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${scheme}//${window.location.host}/api/stream/ws`);
  const like: SocketLike = {
    onopen: null,
    onmessage: null,
    onclose: null,
    send: (text) => socket.send(text),
    close: () => socket.close(),
  };
  socket.onopen = () => like.onopen?.();
  socket.onmessage = (event) => like.onmessage?.({ data: event.data });
  socket.onclose = (event) => like.onclose?.({ code: event.code });
  return like;
}

export const watchClient = new WatchClient({
  openSocket,
  openEventSource: (url) => new EventSource(url, { withCredentials: true }),
  schedule: (fn, ms) => {
    const timer = window.setTimeout(fn, ms);
    return () => window.clearTimeout(timer);
  },
});
