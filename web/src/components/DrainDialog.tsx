import { useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { postEventStream, toApiError, type ApiError } from '../api/client';
import { drainPath, drainPreviewPath, paths } from '../api/endpoints';
import { apiQuery, changes, invalidatePaths } from '../api/queries';
import { applyDrainFrame, EMPTY_PROGRESS, missingFlags, podId, previewGroups, summaryText, type DrainPod, type DrainPreview, type DrainProgress, type PodState } from '../lib/drain';
import { createSseParser } from '../lib/sse';
import { Badge } from './Badge';
import { Dialog } from './Dialog';
import { ErrorPanel } from './ErrorPanel';
import { Loading } from './Loading';

const FLAG_LABELS: Record<string, string> = { deleteEmptyDirData: '"Delete emptyDir data"', force: '"Force"' };

const STATE_TONE: Record<PodState, 'neutral' | 'good' | 'warn' | 'bad'> = { waiting: 'neutral', blocked: 'warn', evicted: 'good', failed: 'bad' };

/**
 * A node's drain: the preview (what is evicted, skipped, blocked by which budget, and which flags
 * it needs), then the drain's progress pod by pod from its event stream, and the summary.
 */
export function DrainDialog({ cluster, object, subject, onClose, onDone }: { cluster: string; object: string; subject: string; onClose: () => void; onDone: (note: string) => void }) {
  const preview = useQuery({ ...apiQuery<DrainPreview>(drainPreviewPath(object)), staleTime: 0 });
  const [deleteEmptyDirData, setDeleteEmptyDirData] = useState(false);
  const [force, setForce] = useState(false);
  const [timeout, setTimeoutText] = useState('300');
  const [started, setStarted] = useState(false);
  const [streaming, setStreaming] = useState(false);
  const [progress, setProgress] = useState<DrainProgress>(EMPTY_PROGRESS);
  const [error, setError] = useState<ApiError | null>(null);
  const reading = useRef<AbortController | null>(null);
  const queryClient = useQueryClient();

  // Leaving stops reading the stream; the drain itself goes on in the server to its end.
  useEffect(() => () => reading.current?.abort(), []);

  const timeoutSeconds = Number(timeout);
  const validTimeout = Number.isInteger(timeoutSeconds) && timeoutSeconds >= 1 && timeoutSeconds <= 3600;
  const missing = preview.data ? missingFlags(preview.data, { deleteEmptyDirData, force }) : [];

  async function drain() {
    const controller = new AbortController();
    reading.current = controller;
    const parse = createSseParser();
    setStarted(true);
    setStreaming(true);
    setError(null);
    setProgress(EMPTY_PROGRESS);
    try {
      await postEventStream(drainPath(object), { deleteEmptyDirData, force, timeoutSeconds }, (text) => {
        const frames = parse(text);
        if (frames.length > 0) setProgress((p) => frames.reduce(applyDrainFrame, p));
      }, controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) setError(toApiError(err));
    } finally {
      setStreaming(false);
      void invalidatePaths(queryClient, [...changes.clusterObjects(cluster), paths.audit]);
    }
  }

  const close = () => (progress.done ? onDone(summaryText(progress.done)) : onClose());

  return (
    <Dialog title="Drain" wide onClose={close}>
      <div className="form-grid" data-testid="drain-dialog">
        <p data-testid="action-target">
          <strong>{subject}</strong>
        </p>
        {!started ? (
          <>
            {preview.error ? <ErrorPanel error={preview.error} title="Cannot preview the drain" onRetry={() => void preview.refetch()} /> : null}
            {preview.isPending ? <Loading label="Working out what the drain would do…" /> : null}
            {preview.data ? <PreviewView preview={preview.data} /> : null}
            {preview.data ? (
              <div className="form-row">
                {preview.data.needsDeleteEmptyDirData.length > 0 ? (
                  <label className="checkbox-label">
                    <input type="checkbox" checked={deleteEmptyDirData} onChange={(e) => setDeleteEmptyDirData(e.target.checked)} />
                    Delete emptyDir data ({preview.data.needsDeleteEmptyDirData.length})
                  </label>
                ) : null}
                {preview.data.needsForce.length > 0 ? (
                  <label className="checkbox-label">
                    <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
                    Force (evict pods no controller owns) ({preview.data.needsForce.length})
                  </label>
                ) : null}
                <label className="inline-label">
                  Timeout (s)
                  <input type="number" min={1} max={3600} value={timeout} onChange={(e) => setTimeoutText(e.target.value)} className="number-input" />
                </label>
              </div>
            ) : null}
            {missing.length > 0 ? <p className="hint">Tick {missing.map((flag) => FLAG_LABELS[flag]).join(' and ')} to drain: without it the server refuses, as those pods would be lost.</p> : null}
          </>
        ) : (
          <ProgressView progress={progress} streaming={streaming} />
        )}
        {error ? <ErrorPanel error={error} title="Cannot drain" /> : null}
        <div className="actions">
          <button type="button" onClick={close}>
            {started ? 'Close' : 'Cancel'}
          </button>
          {!started ? (
            <button type="button" className="danger" disabled={!preview.data || missing.length > 0 || !validTimeout} onClick={() => void drain()}>
              Drain
            </button>
          ) : null}
        </div>
        {streaming ? <p className="hint">Closing stops following; the drain goes on to its end on the server.</p> : null}
      </div>
    </Dialog>
  );
}

function podNote(pod: DrainPod): string {
  return [
    pod.blockedBy.length > 0 ? `blocked by ${pod.blockedBy.join(', ')}` : '',
    pod.localStorage ? 'emptyDir data' : '',
    pod.unmanaged ? 'no controller' : '',
    pod.skipReason ? `skipped: ${pod.skipReason}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function PreviewView({ preview }: { preview: DrainPreview }) {
  const groups = previewGroups(preview);
  return (
    <>
      <p data-testid="drain-counts">
        {preview.evict} to evict, {preview.skipped} skipped, {preview.blocked} blocked by a disruption budget
        {preview.unschedulable ? ' · already cordoned' : ''}
      </p>
      <table className="table" data-testid="drain-preview">
        <thead>
          <tr>
            <th>Pod</th>
            <th>Action</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          {[...groups.evict, ...groups.skipped].map((pod) => (
            <tr key={podId(pod)} data-pod={podId(pod)}>
              <td>{podId(pod)}</td>
              <td>{pod.action === 'evict' ? <Badge tone={pod.blockedBy.length > 0 ? 'warn' : 'neutral'}>evict</Badge> : <Badge>skip</Badge>}</td>
              <td>{podNote(pod) || <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ProgressView({ progress, streaming }: { progress: DrainProgress; streaming: boolean }) {
  return (
    <>
      {streaming && !progress.done ? <Loading label="Draining…" /> : null}
      <table className="table" data-testid="drain-progress">
        <thead>
          <tr>
            <th>Pod</th>
            <th>State</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {progress.pods.map((pod) => (
            <tr key={podId(pod)} data-pod={podId(pod)} data-state={pod.state}>
              <td>{podId(pod)}</td>
              <td>
                <Badge tone={STATE_TONE[pod.state]}>{pod.state}</Badge>
              </td>
              <td>{pod.message ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {progress.notice ? <p className="hint">{progress.notice}</p> : null}
      {progress.done ? (
        <p className={progress.done.failed.length > 0 || progress.done.timedOut ? 'text-bad' : 'success-note'} role="status" data-testid="drain-summary">
          {summaryText(progress.done)}
        </p>
      ) : null}
    </>
  );
}
