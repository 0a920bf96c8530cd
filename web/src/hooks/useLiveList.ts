import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { paths } from '../api/endpoints';
import { apiKey, apiQuery, retryWhileWarming, warmingRetryDelay } from '../api/queries';
import type { Features, ResourceRow, ResourceRowList } from '../api/types';
import { watchClient } from '../api/watch';
import { useAuth } from '../auth/AuthContext';
import { kindId, listApiPath, type KindRef } from '../lib/kinds';
import { applyWatchFrame, type WatchFrame } from '../lib/listPatch';
import { listQuery } from '../lib/listView';

/** How the table is kept current: streamed, catching up, or asked again every POLL_MS. */
export type Liveness = 'connecting' | 'live' | 'resyncing' | 'reconnecting' | 'polling';

/** Without a stream, the list is asked again this often. */
const POLL_MS = 10_000;
/** Frames are applied together this often: one re-render per batch, not per frame. */
const BATCH_MS = 100;

/**
 * The rows of `kind` in `namespace` matching `labelSelector`: listed once, then patched in
 * place from the watch stream (when the server streams the kind), else polled.
 */
export function useLiveList(cluster: string, kind: KindRef, namespace: string | null, labelSelector: string) {
  const path = `${listApiPath(cluster, kind)}${listQuery({ namespace, labelSelector })}`;
  const queryClient = useQueryClient();
  const { refresh: refreshSession } = useAuth();
  const features = useQuery({ ...apiQuery<Features>(paths.features), staleTime: Infinity });
  const streamed = features.data?.watchStreams.includes(kindId(kind)) ?? false;
  const [liveness, setLiveness] = useState<{ path: string; state: Liveness } | null>(null);
  const state: Liveness = !features.data ? 'connecting' : !streamed ? 'polling' : liveness?.path === path ? liveness.state : 'connecting';

  const list = useQuery({
    ...apiQuery<ResourceRowList>(path),
    // Big lists: a patched list is a new array anyway, and comparing 10,000 rows costs more than it saves.
    structuralSharing: false,
    retry: retryWhileWarming,
    retryDelay: warmingRetryDelay,
    // A live list is kept current by the stream: nothing to refetch.
    staleTime: state === 'live' ? Infinity : undefined,
    refetchInterval: state === 'polling' || state === 'reconnecting' ? POLL_MS : false,
  });

  const { group, version, resource } = kind;
  useEffect(() => {
    if (!streamed) return;
    const queryKey = apiKey(path);
    let pending: WatchFrame<ResourceRow>[] = [];
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      const frames = pending;
      pending = [];
      queryClient.setQueryData<ResourceRowList>(queryKey, (current) => {
        const start = current ?? { items: [], resourceVersion: '', total: 0, continue: '' };
        // A row frame before the list arrived has nothing to patch: the list (or snapshot) brings it.
        if (!current && frames[0]?.type !== 'snapshot') return current;
        return frames.reduce(applyWatchFrame, start);
      });
    };
    const stop = watchClient.subscribe({ cluster, kind: { group, version, resource }, namespace, labelSelector }, (step) => {
      switch (step.type) {
        case 'frame':
          if (step.frame.type === 'snapshot') {
            // A list answer still on its way is older than the snapshot: it must not overwrite it.
            void queryClient.cancelQueries({ queryKey, exact: true });
            setLiveness({ path, state: 'live' });
          }
          pending.push(step.frame);
          timer ??= window.setTimeout(flush, BATCH_MS);
          break;
        case 'resync':
          setLiveness({ path, state: 'resyncing' });
          break;
        case 'reconnecting':
          setLiveness({ path, state: 'reconnecting' });
          break;
        case 'unavailable':
          setLiveness({ path, state: 'polling' });
          break;
        case 'signedOut':
          refreshSession();
          break;
        case 'error':
          setLiveness({ path, state: step.retrying ? 'reconnecting' : 'polling' });
          break;
      }
    });
    return () => {
      stop();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [streamed, path, cluster, group, version, resource, namespace, labelSelector, queryClient, refreshSession]);

  return { list, liveness: state };
}
