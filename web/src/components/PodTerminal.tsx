import { useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { api, toApiError } from '../api/client';
import type { CanIResponse, KubeObject } from '../api/types';
import { endText, execCheck, execPath, isLast, parseServerFrame, refusalText, resizeFrame, socketUrl, stdinFrame } from '../lib/exec';
import { logContainers } from '../lib/logs';
import { ErrorPanel } from './ErrorPanel';

type Phase = { state: 'connecting' } | { state: 'open'; container: string } | { state: 'ended'; message: string };

/** A shell in one of a pod's containers (xterm.js over the exec WebSocket), with reconnect. */
export function PodTerminal({ cluster, object }: { cluster: string; object: KubeObject }) {
  const namespace = object.metadata.namespace ?? '';
  const name = object.metadata.name;
  const containers = logContainers(object).filter((c) => !c.init);
  const [container, setContainer] = useState<string | null>(containers[0]?.name ?? null);
  const [attempt, setAttempt] = useState(0);
  const [phase, setPhase] = useState<Phase>({ state: 'connecting' });
  const permission = useQuery({
    queryKey: ['can-i', cluster, namespace, name, 'pods/exec'],
    queryFn: () => api.post<CanIResponse>(`/api/clusters/${encodeURIComponent(cluster)}/can-i`, execCheck(namespace, name)),
  });
  const verdict = permission.data?.results[0];
  const allowed = verdict?.allowed === true;
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = host.current;
    if (!allowed || !element) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    const path = execPath(cluster, namespace, name, { container, command: [], tty: true });
    const socket = new WebSocket(socketUrl(window.location, path));
    let ready = false;
    let ended = false;
    const end = (message: string) => {
      if (ended) return;
      ended = true;
      setPhase({ state: 'ended', message });
    };
    const sendSize = () => {
      const frame = resizeFrame(term.cols, term.rows);
      if (frame && socket.readyState === WebSocket.OPEN) socket.send(frame);
    };
    const refit = () => {
      // A hidden terminal has no size to fit to.
      if (element.clientWidth > 0 && element.clientHeight > 0) fit.fit();
    };
    refit();
    socket.onopen = sendSize;
    socket.onmessage = (event) => {
      const frame = parseServerFrame(String(event.data));
      if (!frame) return;
      if (frame.type === 'ready') {
        ready = true;
        setPhase({ state: 'open', container: frame.container });
        term.focus();
      } else if (frame.type === 'stdout' || frame.type === 'stderr') {
        term.write(frame.data);
      } else if (frame.type === 'warning') {
        term.write(`\r\n\x1b[33m${frame.message}\x1b[0m\r\n`);
      } else if (isLast(frame)) {
        end(endText(frame));
      }
    };
    socket.onclose = () => {
      if (ended) return;
      if (ready) {
        end('The connection closed.');
        return;
      }
      // A browser cannot read a refused upgrade's answer; the same request without one tells why.
      api.get(path).then(
        () => end('The terminal could not connect.'),
        (err: unknown) => {
          const error = toApiError(err);
          end(error.code === 'upgrade_required' ? 'The terminal could not connect: a proxy on the way may not pass WebSockets.' : refusalText(error));
        },
      );
    };
    const typed = term.onData((data) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(stdinFrame(data));
    });
    const resized = term.onResize(sendSize);
    const observer = new ResizeObserver(refit);
    observer.observe(element);
    return () => {
      ended = true;
      observer.disconnect();
      typed.dispose();
      resized.dispose();
      socket.close();
      term.dispose();
    };
  }, [allowed, cluster, namespace, name, container, attempt]);

  const reconnect = () => {
    setPhase({ state: 'connecting' });
    setAttempt((a) => a + 1);
  };

  return (
    <section className="panel pod-terminal" aria-label="Terminal" data-testid="pod-terminal">
      <div className="filter-row">
        <label className="inline-label">
          Container
          <select
            value={container ?? ''}
            onChange={(e) => {
              setContainer(e.target.value);
              setPhase({ state: 'connecting' });
            }}
            disabled={!allowed}
            aria-label="Container"
          >
            {containers.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="terminal-state" data-state={allowed ? phase.state : 'denied'}>
          {!allowed ? '' : phase.state === 'connecting' ? 'Connecting…' : phase.state === 'open' ? `Connected to ${phase.container}` : 'Ended'}
        </span>
        <span className="spacer" />
        <button type="button" onClick={reconnect} disabled={!allowed || phase.state === 'connecting'}>
          Reconnect
        </button>
      </div>
      {permission.error ? <ErrorPanel error={permission.error} title="Cannot check whether you may open a terminal" onRetry={() => void permission.refetch()} /> : null}
      {verdict && !allowed ? (
        <div className="notice" data-testid="terminal-denied">
          <p>
            <strong>You may not open a terminal in this pod.</strong> {verdict.reason}
          </p>
        </div>
      ) : null}
      {allowed && phase.state === 'ended' ? (
        <div className="notice" data-testid="terminal-ended">
          <p>{phase.message}</p>
        </div>
      ) : null}
      <div ref={host} className={allowed ? 'terminal-screen' : 'terminal-screen disabled'} data-testid="terminal" aria-disabled={!allowed} />
    </section>
  );
}
