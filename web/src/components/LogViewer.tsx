import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { KubeObject } from '../api/types';
import { useLogStream, MAX_LOG_LINES } from '../hooks/useLogStream';
import { highlightSegments, matches } from '../lib/highlight';
import type { KindRef } from '../lib/kinds';
import { countMatchingLines, isPodKind, logContainers, logsPath, podColour, podsInOrder, visibleLines, type LogLine, type LogOptions } from '../lib/logs';
import { Badge } from './Badge';

const LINE_HEIGHT = 18;
const TAIL_CHOICES = [100, 500, 1000, 5000];

/** The logs of a pod (one container) or of a workload (every pod, one colour each), live. */
export function LogViewer({ cluster, kind, object }: { cluster: string; kind: KindRef; object: KubeObject }) {
  const pod = isPodKind(kind);
  const containers = logContainers(object).filter((c) => !c.init || pod);
  // A pod with several containers needs one named; a workload's logs default to all of them.
  const [options, setOptions] = useState<LogOptions>({
    container: pod ? (containers.find((c) => !c.init)?.name ?? null) : null,
    previous: false,
    timestamps: false,
    tailLines: 500,
  });
  const namespace = object.metadata.namespace ?? '';
  const name = object.metadata.name;
  const { lines, state, restart } = useLogStream(logsPath(cluster, kind, namespace, name, options));
  const [paused, setPaused] = useState<LogLine[] | null>(null);
  const [query, setQuery] = useState('');
  const [onlyMatches, setOnlyMatches] = useState(false);
  const [currentMatch, setCurrentMatch] = useState(-1);

  const shownLines = visibleLines(paused ?? lines, query, onlyMatches);
  const pods = podsInOrder(lines);
  const matchCount = countMatchingLines(shownLines, query);
  const waiting = paused ? lines.length - paused.length : 0;

  const scroller = useRef<HTMLDivElement>(null);
  // The React Compiler is not used here, so its warning about memoizing the virtualizer does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: shownLines.length, getScrollElement: () => scroller.current, estimateSize: () => LINE_HEIGHT, overscan: 30 });

  // While not paused, the view follows the newest line.
  useEffect(() => {
    if (!paused && shownLines.length > 0 && currentMatch === -1) virtualizer.scrollToIndex(shownLines.length - 1, { align: 'end' });
  }, [paused, shownLines.length, currentMatch, virtualizer]);

  const set = (change: Partial<LogOptions>) => {
    setOptions((o) => ({ ...o, ...change }));
    setPaused(null);
    setCurrentMatch(-1);
  };

  /** Scrolls to the next (or previous) line that matches the search. */
  function jump(delta: 1 | -1) {
    const indexes = shownLines.flatMap((l, i) => (matches(l.line, query) ? [i] : []));
    if (indexes.length === 0) return;
    const at = indexes.indexOf(currentMatch);
    const next = at === -1 ? (delta === 1 ? indexes[0] : indexes[indexes.length - 1]) : indexes[(at + delta + indexes.length) % indexes.length];
    setCurrentMatch(next);
    virtualizer.scrollToIndex(next, { align: 'center' });
  }

  function onSearchKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      jump(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape') {
      setQuery('');
      setCurrentMatch(-1);
    }
  }

  return (
    <section className="panel log-viewer" aria-label="Logs" data-testid="log-viewer">
      <div className="filter-row">
        <label className="inline-label">
          Container
          <select value={options.container ?? ''} onChange={(e) => set({ container: e.target.value || null })} aria-label="Container">
            {!pod ? <option value="">all containers</option> : null}
            {containers.map((c) => (
              <option key={c.name} value={c.name}>
                {c.init ? `${c.name} (init)` : c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-label">
          Lines
          <select value={options.tailLines} onChange={(e) => set({ tailLines: Number(e.target.value) })}>
            {TAIL_CHOICES.map((n) => (
              <option key={n} value={n}>
                last {n}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox-label">
          <input type="checkbox" checked={options.previous} onChange={(e) => set({ previous: e.target.checked })} />
          Previous container
        </label>
        <label className="checkbox-label">
          <input type="checkbox" checked={options.timestamps} onChange={(e) => set({ timestamps: e.target.checked })} />
          Timestamps
        </label>
        <span className="spacer" />
        <button type="button" onClick={() => setPaused(paused ? null : lines)} aria-pressed={paused !== null}>
          {paused ? `Resume${waiting > 0 ? ` (${waiting} new)` : ''}` : 'Pause'}
        </button>
        <a className="button-link" href={logsPath(cluster, kind, namespace, name, options, true)} download>
          Download
        </a>
      </div>
      <div className="filter-row">
        <label className="inline-label">
          Search
          <input type="search" value={query} onChange={(e) => {
              setQuery(e.target.value);
              setCurrentMatch(-1);
            }} onKeyDown={onSearchKey} placeholder="Enter: next match" aria-label="Search logs" />
        </label>
        {query ? (
          <span className="muted" data-testid="match-count">
            {matchCount} matching {matchCount === 1 ? 'line' : 'lines'}
          </span>
        ) : null}
        <label className="checkbox-label">
          <input type="checkbox" checked={onlyMatches} onChange={(e) => setOnlyMatches(e.target.checked)} />
          Only matching lines
        </label>
        <span className="spacer" />
        <LogState state={state} lines={lines.length} onReconnect={restart} />
      </div>
      <div className="log-lines" ref={scroller} tabIndex={0} aria-label="Log lines" data-testid="log-lines">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const line = shownLines[item.index];
            return (
              <div
                key={line.seq}
                className={item.index === currentMatch ? 'log-line current' : 'log-line'}
                style={{ transform: `translateY(${item.start}px)`, height: LINE_HEIGHT }}
                data-testid="log-line"
                data-pod={line.pod}
              >
                {!pod ? <span className={`log-pod log-pod-${podColour(pods, line.pod)}`}>{line.pod} </span> : null}
                {options.container === null && line.container ? <span className="log-container">[{line.container}] </span> : null}
                {line.timestamp ? <span className="log-time">{line.timestamp} </span> : null}
                {highlightSegments(line.line, query).map((segment, i) => (segment.match ? <mark key={i}>{segment.text}</mark> : <span key={i}>{segment.text}</span>))}
              </div>
            );
          })}
        </div>
        {shownLines.length === 0 && state.status !== 'connecting' ? <p className="muted log-empty">{query && onlyMatches ? 'No line matches.' : 'No log lines.'}</p> : null}
      </div>
    </section>
  );
}

function LogState({ state, lines, onReconnect }: { state: ReturnType<typeof useLogStream>['state']; lines: number; onReconnect: () => void }) {
  const kept = lines >= MAX_LOG_LINES ? ` (the newest ${MAX_LOG_LINES})` : '';
  switch (state.status) {
    case 'connecting':
      return <Badge>connecting</Badge>;
    case 'streaming':
      return (
        <span data-testid="log-state" data-state="streaming">
          <Badge tone="good">following</Badge> <span className="muted">{`${lines} lines${kept}`}</span>
        </span>
      );
    case 'ended':
      return (
        <span data-testid="log-state" data-state="ended">
          <Badge>ended</Badge> <span className="muted">{`${lines} lines${kept}`}</span>
        </span>
      );
    case 'interrupted':
      return (
        <span data-testid="log-state" data-state="interrupted">
          <Badge tone="warn">disconnected</Badge>{' '}
          <button type="button" className="link-button" onClick={onReconnect}>
            Reconnect
          </button>
        </span>
      );
    case 'failed':
      return (
        <span data-testid="log-state" data-state="failed" className="text-bad">
          {state.message}{' '}
          <button type="button" className="link-button" onClick={onReconnect}>
            Try again
          </button>
        </span>
      );
  }
}
