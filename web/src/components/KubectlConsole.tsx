import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { runKubectl } from '../api/endpoints';
import type { KubectlResult } from '../api/types';
import { useApiMutation } from '../hooks/useApiMutation';
import { remember, splitCommand } from '../lib/kubectlCommand';
import { Badge } from './Badge';
import { ErrorPanel } from './ErrorPanel';

/** The session's commands, per cluster: kept while the tab lives. */
const historyKey = (cluster: string) => `fleetdeck.kubectl.${cluster}`;

function loadHistory(cluster: string): string[] {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(historyKey(cluster)) ?? '[]');
    return Array.isArray(saved) ? saved.filter((s): s is string => typeof s === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * A read-only kubectl box: the command runs on the server as you (writes, exec, watch and file
 * inputs are refused there), and its output shows below. ↑ and ↓ go through the history.
 */
export function KubectlConsole({ cluster }: { cluster: string }) {
  const [line, setLine] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [history, setHistory] = useState<string[]>(() => loadHistory(cluster));
  const [recalled, setRecalled] = useState(-1);
  const [ran, setRan] = useState<{ line: string; result: KubectlResult } | null>(null);
  const run = useApiMutation((args: string[]) => runKubectl(cluster, args), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const split = splitCommand(line);
    if ('error' in split) {
      setProblem(split.error);
      return;
    }
    setProblem(null);
    const next = remember(history, line);
    setHistory(next);
    sessionStorage.setItem(historyKey(cluster), JSON.stringify(next));
    setRecalled(-1);
    const typed = line.trim();
    run.mutate(split.args, { onSuccess: (result) => setRan({ line: typed, result }) });
  };

  const recall = (e: KeyboardEvent<HTMLInputElement>) => {
    const step = e.key === 'ArrowUp' ? 1 : e.key === 'ArrowDown' ? -1 : 0;
    if (step === 0 || history.length === 0) return;
    e.preventDefault();
    const at = Math.max(-1, Math.min(history.length - 1, recalled + step));
    setRecalled(at);
    setLine(at < 0 ? '' : history[at]);
  };

  const result = ran?.result;
  return (
    <section className="panel" aria-labelledby="kubectl-title" data-testid="kubectl">
      <h2 id="kubectl-title">kubectl</h2>
      <p className="hint">
        Read-only commands (get, describe, logs, top, api-resources, api-versions, explain, version, auth can-i) run on the
        server as you and are audited.
      </p>
      <form onSubmit={submit} className="kubectl-form" aria-label="kubectl command">
        <span className="kubectl-prompt" aria-hidden="true">
          kubectl
        </span>
        <input
          value={line}
          onChange={(e) => setLine(e.target.value)}
          onKeyDown={recall}
          placeholder="get pods -n default"
          aria-label="Command"
          spellCheck={false}
          autoComplete="off"
        />
        <button type="submit" disabled={run.isPending}>
          {run.isPending ? 'Running…' : 'Run'}
        </button>
      </form>
      {problem ? (
        <p className="form-problems" role="alert">
          {problem}
        </p>
      ) : null}
      {run.error ? <ErrorPanel error={run.error} title="kubectl did not run" /> : null}
      {ran && result && !run.error ? (
        <div className="kubectl-result" data-testid="kubectl-result">
          <p className="kubectl-status">
            <code>kubectl {ran.line}</code>{' '}
            {result.exitCode === null || result.exitCode === undefined ? (
              <Badge tone="warn">stopped</Badge>
            ) : (
              <Badge tone={result.exitCode === 0 ? 'good' : 'bad'}>{`exit ${result.exitCode}`}</Badge>
            )}{' '}
            {result.timedOut ? <Badge tone="warn">timed out</Badge> : null} {result.truncated ? <Badge tone="warn">output cut</Badge> : null}{' '}
            <span className="muted">{result.durationMs} ms</span>
          </p>
          {result.stdout ? <pre className="kubectl-output">{result.stdout}</pre> : null}
          {result.stderr ? <pre className="kubectl-output kubectl-stderr">{result.stderr}</pre> : null}
        </div>
      ) : null}
      {history.length > 0 ? (
        <details className="kubectl-history">
          <summary>History ({history.length})</summary>
          <ul>
            {history.map((h) => (
              <li key={h}>
                <button type="button" className="link-button" onClick={() => setLine(h)}>
                  <code>{h}</code>
                </button>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
