// What the Flux catalog's errors and warnings mean, from their stable codes and details.
import type { ApiError } from '../api/client';
import type { FluxWarning } from '../api/types';
import { formatBytes } from './byteSize';

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export interface InUse {
  /** Clusters the entry is assigned to. */
  clusters: string[];
  /** Components whose depends_on names it (components only). */
  components: string[];
}

/** What a 409 in_use says still uses the entry, or null when `error` is not that. */
export function inUse(error: ApiError | null): InUse | null {
  if (!error || error.status !== 409 || error.code !== 'in_use') return null;
  return { clusters: stringList(error.details?.clusters), components: stringList(error.details?.components) };
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The forced delete's button: "Remove from 2 clusters and delete". */
export function forceDeleteLabel({ clusters, components }: InUse): string {
  const from = [
    ...(clusters.length > 0 || components.length === 0 ? [count(clusters.length, 'cluster', 'clusters')] : []),
    ...(components.length > 0 ? [count(components.length, "component's depends_on", "components' depends_on")] : []),
  ];
  return `Remove from ${from.join(' and ')} and delete`;
}

/** Explanations to show under the error's message, one per line. */
export function fluxErrorHints(error: ApiError): string[] {
  const details = error.details ?? {};
  switch (error.code) {
    case 'conflict':
      return ['Something with that id (or dns) already exists: pick another.'];
    case 'invalid_id':
    case 'invalid_name':
      return ['Ids are DNS-1123 labels: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters.'];
    case 'invalid_dns':
      return ['The dns must be a fully qualified domain name, e.g. demo-cluster-01.k8s.example.com.'];
    case 'unknown_reference': {
      const ids = stringList(details.ids);
      if (ids.length === 0) return [];
      if (details.kind === 'patches') return [`Patches for components the cluster does not have: ${ids.join(', ')}.`];
      const kind = typeof details.kind === 'string' ? details.kind.replace(/_/g, ' ') : 'entries';
      return [`No ${kind} with ${ids.length === 1 ? 'id' : 'ids'} ${ids.join(', ')} in the catalog.`];
    }
    case 'dependency_cycle': {
      const cycle = stringList(details.cycle);
      return cycle.length > 0 ? [`Dependency cycle: ${cycle.join(' → ')}.`] : [];
    }
    case 'in_use': {
      const clusters = stringList(details.clusters);
      const components = stringList(details.components);
      return [
        ...(clusters.length > 0 ? [`Assigned to clusters: ${clusters.join(', ')}.`] : []),
        ...(components.length > 0 ? [`Components depending on it: ${components.join(', ')}.`] : []),
      ];
    }
    case 'inputs_too_large': {
      const size = typeof details.size === 'number' ? details.size : undefined;
      const limit = typeof details.limit === 'number' ? details.limit : undefined;
      const cluster = typeof details.cluster === 'string' ? details.cluster : 'this cluster';
      return size !== undefined && limit !== undefined
        ? [`The inputs of ${cluster} are ${formatBytes(size)}, over the ${formatBytes(limit)} Flux accepts.`]
        : [];
    }
    default:
      return [];
  }
}

/**
 * The warning notice's sentence for the warnings of one write (`dryRun`: of an import not yet
 * applied), naming the clusters.
 */
export function warningsMessage(warnings: readonly FluxWarning[], dryRun = false): string | null {
  if (warnings.length === 0) return null;
  const tooLarge = warnings.filter((w) => w.code === 'inputs_too_large');
  if (tooLarge.length === warnings.length) {
    const clusters = tooLarge.map(
      (w) => `${w.cluster} (${w.inputs ? `${w.inputs}: ` : ''}${formatBytes(w.size)} of ${formatBytes(w.limit)})`,
    );
    const which = `${tooLarge.length === 1 ? 'cluster' : 'clusters'} ${clusters.join(', ')}`;
    return dryRun
      ? `After this import the Flux inputs would be too large for ${which}: Flux would refuse them.`
      : `Saved, but the Flux inputs are now too large for ${which}: Flux will refuse them until they shrink.`;
  }
  const list = warnings.map((w) => `${w.code} on ${w.cluster}`).join(', ');
  return dryRun ? `Warnings: ${list}.` : `Saved, with warnings: ${list}.`;
}
