import { useEffect, useState } from 'react';
import { parseFrameData } from '../lib/watchStream';
import { appendLines, decodeLogEvent, type LogLine } from '../lib/logs';

/** The most lines kept on screen; older ones scroll away. */
export const MAX_LOG_LINES = 10_000;
const FLUSH_MS = 100;

export type LogStreamState =
  | { status: 'connecting' }
  | { status: 'streaming' }
  /** The server sent everything (not following, or the container stopped). */
  | { status: 'ended' }
  /** The connection dropped: a reconnect would send the tail again, so the operator chooses. */
  | { status: 'interrupted' }
  | { status: 'failed'; message: string };

/**
 * The lines of the logs stream at `path` (EventSource), batched into state; `restart` opens it
 * again from scratch. A new path starts afresh.
 */
export function useLogStream(path: string): { lines: LogLine[]; state: LogStreamState; restart: () => void } {
  const [generation, setGeneration] = useState(0);
  const [stream, setStream] = useState<{ key: string; lines: LogLine[]; state: LogStreamState }>({ key: '', lines: [], state: { status: 'connecting' } });
  const key = `${generation}:${path}`;

  useEffect(() => {
    const source = new EventSource(path, { withCredentials: true });
    let pending: LogLine[] = [];
    let seq = 0;
    let timer: number | undefined;
    const update = (change: { lines?: LogLine[]; state?: LogStreamState }) =>
      setStream((s) => {
        const base = s.key === key ? s : { key, lines: [], state: { status: 'connecting' } as LogStreamState };
        return { key, lines: change.lines ? appendLines(base.lines, change.lines, MAX_LOG_LINES) : base.lines, state: change.state ?? base.state };
      });
    const flush = () => {
      timer = undefined;
      const lines = pending;
      pending = [];
      update({ lines, state: { status: 'streaming' } });
    };
    const finish = (state: LogStreamState) => {
      source.close();
      if (timer !== undefined) window.clearTimeout(timer);
      timer = undefined;
      const lines = pending;
      pending = [];
      update({ lines, state });
    };
    source.addEventListener('open', () => update({ state: { status: 'streaming' } }));
    for (const name of ['log', 'end', 'error']) {
      source.addEventListener(name, (event) => {
        const data = (event as MessageEvent).data;
        if (name === 'error' && data === undefined) {
          // A connection error: CLOSED means the server refused the stream (an HTTP error).
          finish(source.readyState === EventSource.CLOSED ? { status: 'failed', message: 'The server refused the log stream.' } : { status: 'interrupted' });
          return;
        }
        const frame = decodeLogEvent(name, parseFrameData(data));
        if (!frame) return;
        if (frame.type === 'line') {
          pending.push({ seq: seq++, pod: frame.pod, container: frame.container, line: frame.line, timestamp: frame.timestamp });
          timer ??= window.setTimeout(flush, FLUSH_MS);
        } else if (frame.type === 'end') finish({ status: 'ended' });
        else finish({ status: 'failed', message: frame.message });
      });
    }
    return () => {
      source.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [path, key]);

  const current = stream.key === key ? stream : { lines: [], state: { status: 'connecting' } as LogStreamState };
  return { lines: current.lines, state: current.state, restart: () => setGeneration((g) => g + 1) };
}
