// A node's drain as the console shows it: the preview's groups, and the progress that the
// drain's event stream (docs/api.md "Drain") builds up, pod by pod.
import type { components } from '../api/schema';
import type { SseFrame } from './sse';

export type DrainPreview = components['schemas']['DrainPreview'];
export type DrainPod = components['schemas']['DrainPod'];

/** `blocked`, `evicted` and `failed` frames: one pod. */
export interface PodOutcome {
  namespace: string;
  name: string;
  code?: string;
  message?: string;
}

/** The `done` frame. */
export interface DrainSummary {
  node: string;
  evicted: number;
  failed: PodOutcome[];
  timedOut: boolean;
}

export type PodState = 'waiting' | 'blocked' | 'evicted' | 'failed';

export interface PodProgress {
  namespace: string;
  name: string;
  state: PodState;
  /** Why it is blocked or failed. */
  message?: string;
}

export interface DrainProgress {
  plan: DrainPreview | null;
  /** The pods to evict, in the plan's order. */
  pods: PodProgress[];
  done: DrainSummary | null;
  notice: string | null;
}

export const EMPTY_PROGRESS: DrainProgress = { plan: null, pods: [], done: null, notice: null };

export const podId = (pod: { namespace: string; name: string }) => `${pod.namespace}/${pod.name}`;

/** The preview's pods by what the drain does with them. */
export function previewGroups(preview: DrainPreview): { evict: DrainPod[]; skipped: DrainPod[]; blocked: DrainPod[] } {
  const evict = preview.pods.filter((p) => p.action === 'evict');
  return { evict, skipped: preview.pods.filter((p) => p.action === 'skip'), blocked: evict.filter((p) => p.blockedBy.length > 0) };
}

/** Whether the drain would be refused (409 `drain_refused`) with these flags. */
export function missingFlags(preview: DrainPreview, flags: { deleteEmptyDirData: boolean; force: boolean }): string[] {
  const missing: string[] = [];
  if (preview.needsDeleteEmptyDirData.length > 0 && !flags.deleteEmptyDirData) missing.push('deleteEmptyDirData');
  if (preview.needsForce.length > 0 && !flags.force) missing.push('force');
  return missing;
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function outcome(data: Record<string, unknown>): PodOutcome | null {
  if (typeof data.namespace !== 'string' || typeof data.name !== 'string') return null;
  return {
    namespace: data.namespace,
    name: data.name,
    code: typeof data.code === 'string' ? data.code : undefined,
    message: typeof data.message === 'string' ? data.message : undefined,
  };
}

function setPod(pods: PodProgress[], pod: PodOutcome, state: PodState): PodProgress[] {
  const next: PodProgress = { namespace: pod.namespace, name: pod.name, state, message: pod.message ?? pod.code };
  const at = pods.findIndex((p) => podId(p) === podId(pod));
  return at === -1 ? [...pods, next] : pods.map((p, i) => (i === at ? next : p));
}

/** The progress after one frame of the drain's stream; a frame it cannot read changes nothing. */
export function applyDrainFrame(progress: DrainProgress, frame: SseFrame): DrainProgress {
  const data = parse(frame.data);
  if (!data) return progress;
  switch (frame.event) {
    case 'plan': {
      const plan = data as unknown as DrainPreview;
      if (!Array.isArray(plan.pods)) return progress;
      const pods = previewGroups(plan).evict.map((p): PodProgress => ({ namespace: p.namespace, name: p.name, state: 'waiting' }));
      return { ...progress, plan, pods };
    }
    case 'blocked':
    case 'evicted':
    case 'failed': {
      const pod = outcome(data);
      return pod ? { ...progress, pods: setPod(progress.pods, pod, frame.event) } : progress;
    }
    case 'done':
      return typeof data.evicted === 'number' && Array.isArray(data.failed) ? { ...progress, done: data as unknown as DrainSummary } : progress;
    case 'notice':
      return typeof data.message === 'string' ? { ...progress, notice: data.message } : progress;
    default:
      return progress;
  }
}

/** One line for the end of a drain. */
export function summaryText(summary: DrainSummary): string {
  const failed = summary.failed.length;
  const parts = [`${summary.evicted} evicted`, `${failed} failed`];
  return `Drain of ${summary.node} ended: ${parts.join(', ')}${summary.timedOut ? ' (timed out)' : ''}.`;
}
