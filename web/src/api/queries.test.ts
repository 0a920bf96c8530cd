import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashKey, partialMatchKey, QueryObserver } from '@tanstack/react-query';
import { ApiError } from './client';
import { clusterPath, dashboardPath, entitlementOfPath, fluxClusterPath, fluxInputsPath, invoicePath, ordersOfPath, paths, usageOfPath } from './endpoints';
import { apiKey, apiQuery, apiResponseQuery, apiTextQuery, changes, createQueryClient, invalidatePaths, pathKey, retryWhileWarming, shouldRetry, WARMING_RETRIES, warmingRetryDelay } from './queries';

describe('apiKey', () => {
  it('is the path segments and then the query', () => {
    expect(apiKey('/api/clusters')).toEqual(['api', 'clusters', {}]);
    expect(apiKey(dashboardPath('a b'))).toEqual(['api', 'clusters', 'a b', 'dashboard', {}]);
    expect(apiKey('/version')).toEqual(['version', {}]);
    expect(apiKey('/api/audit?limit=50&offset=0')).toEqual(['api', 'audit', { limit: '50', offset: '0' }]);
    expect(apiKey('/api/x?kind=a&kind=b&q=')).toEqual(['api', 'x', { kind: ['a', 'b'], q: '' }]);
  });

  it('does not depend on the order of query parameters', () => {
    expect(hashKey(apiKey('/api/audit?limit=50&offset=0'))).toBe(hashKey(apiKey('/api/audit?offset=0&limit=50')));
    expect(hashKey(apiKey('/api/audit?limit=50'))).not.toBe(hashKey(apiKey('/api/audit?limit=25')));
  });

  it('starts with the pathKey of every path above it', () => {
    for (const path of [paths.clusters, clusterPath('c1'), dashboardPath('c1')]) {
      expect(partialMatchKey(apiKey(path), pathKey(paths.clusters))).toBe(true);
    }
    expect(partialMatchKey(apiKey(paths.fleet), pathKey(paths.clusters))).toBe(false);
    expect(partialMatchKey(apiKey(`${paths.audit}?limit=50`), pathKey(paths.audit))).toBe(true);
  });

  it('keeps the whole-response entry of a path apart from its body entry, under the same prefix', () => {
    const path = `${paths.audit}?limit=50`;
    expect(hashKey(apiResponseQuery(path).queryKey)).not.toBe(hashKey(apiQuery(path).queryKey));
    expect(partialMatchKey(apiResponseQuery(path).queryKey, pathKey(paths.audit))).toBe(true);
  });
});

const apiError = (status: number, details?: Record<string, unknown>) =>
  new ApiError({ status, code: status === 0 ? 'network_error' : `http_${status}`, message: 'failed', details });

describe('shouldRetry', () => {
  it('retries network errors and server failures, twice at most', () => {
    for (const status of [0, 500, 502, 503, 504]) {
      expect(shouldRetry(0, apiError(status))).toBe(true);
      expect(shouldRetry(1, apiError(status))).toBe(true);
      expect(shouldRetry(2, apiError(status))).toBe(false);
    }
  });

  it('never retries a 4xx or another answer the server chose', () => {
    for (const status of [200, 400, 401, 403, 404, 409, 422, 429]) {
      expect(shouldRetry(0, apiError(status))).toBe(false);
    }
  });

  it("does not retry a 5xx that relays a cluster's state", () => {
    expect(shouldRetry(0, apiError(502, { cluster: 'c1' }))).toBe(false);
    expect(shouldRetry(0, apiError(500, { cluster: 'c1', size: 1, limit: 0 }))).toBe(false);
  });
});

describe('retryWhileWarming', () => {
  const warming = new ApiError({ status: 504, code: 'cache_warming', message: 'still loading' });

  it('keeps asking while the cache warms up, at a steady pace', () => {
    expect(retryWhileWarming(5, warming)).toBe(true);
    expect(retryWhileWarming(WARMING_RETRIES, warming)).toBe(false);
    expect(warmingRetryDelay(7, warming)).toBe(2000);
  });

  it('retries anything else as shouldRetry does', () => {
    expect(retryWhileWarming(0, apiError(403))).toBe(false);
    expect(retryWhileWarming(2, apiError(503))).toBe(false);
    expect(warmingRetryDelay(1, apiError(503))).toBe(2000);
    expect(warmingRetryDelay(9, apiError(503))).toBe(30000);
  });
});

describe('the query client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  function answering(status: number, body: unknown) {
    const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status }));
    vi.stubGlobal('fetch', fetch);
    return fetch;
  }

  it('caches a text body as it is, apart from the JSON entry of the same path', async () => {
    const client = createQueryClient();
    vi.stubGlobal('fetch', vi.fn(async () => new Response('kind: Pod\nmetadata: {}\n', { status: 200 })));
    const yaml = apiTextQuery('/api/clusters/a/resources/core/v1/pods/shop/web/yaml');
    await expect(client.fetchQuery(yaml)).resolves.toBe('kind: Pod\nmetadata: {}\n');
    expect(yaml.queryKey.at(-1)).toBe('text');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'gone', code: 'not_found' }), { status: 404 })));
    await expect(client.fetchQuery({ ...apiTextQuery('/api/x/yaml'), retry: false })).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('caches the parsed body under the path', async () => {
    const client = createQueryClient();
    const fetch = answering(200, { items: [] });
    await expect(client.fetchQuery(apiQuery(paths.users))).resolves.toEqual({ items: [] });
    await client.fetchQuery(apiQuery(paths.users));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(client.getQueryData(apiQuery(paths.users).queryKey)).toEqual({ items: [] });
  });

  it('asks once on a 4xx and three times on a 5xx', async () => {
    const client = createQueryClient();
    const notFound = answering(404, { error: 'gone', code: 'not_found' });
    await expect(client.fetchQuery({ ...apiQuery(clusterPath('x')), retryDelay: 0 })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(notFound).toHaveBeenCalledTimes(1);

    const failing = answering(503, { error: 'down', code: 'not_ready' });
    await expect(client.fetchQuery({ ...apiQuery(paths.fleet), retryDelay: 0 })).rejects.toBeInstanceOf(ApiError);
    expect(failing).toHaveBeenCalledTimes(3);
  });
});

describe('changes', () => {
  const cached = {
    clusters: paths.clusters,
    cluster: clusterPath('c1'),
    dashboard: dashboardPath('c1'),
    fleet: paths.fleet,
    assignments: fluxClusterPath('c1'),
    inputs: fluxInputsPath('c1.example.com', 'namespaces'),
    components: paths.fluxComponents,
    namespaces: paths.fluxNamespaces,
    rolebindings: paths.fluxRoleBindings,
    environments: paths.fluxEnvironments,
    apiKeys: paths.apiKeys,
    users: paths.users,
    audit: `${paths.audit}?limit=50&offset=0`,
    plans: paths.plans,
    orders: ordersOfPath('t1'),
    entitlement: entitlementOfPath('t1'),
    invoice: invoicePath('t1', '2026-05'),
    usage: usageOfPath({ tenant: 't1', project: null, from: '2026-05-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }),
  };

  /** Which of the cached views go stale after a write that changes `changed`. */
  async function staleAfter(changed: readonly string[]): Promise<string[]> {
    const client = createQueryClient();
    for (const path of Object.values(cached)) client.setQueryData(apiKey(path), {});
    await invalidatePaths(client, changed);
    return Object.entries(cached)
      .filter(([, path]) => client.getQueryState(apiKey(path))?.isInvalidated)
      .map(([view]) => view);
  }

  it('fetches again a first load that was still on its way when the write succeeded', async () => {
    const client = createQueryClient();
    let answers = ['before the write', 'after the write'];
    let release: () => void = () => {};
    const observer = new QueryObserver(client, {
      queryKey: apiKey(paths.apiKeys),
      queryFn: async () => {
        const answer = answers[0];
        answers = answers.slice(1);
        if (answer === 'before the write') await new Promise<void>((r) => (release = r));
        return answer;
      },
    });
    const seen: unknown[] = [];
    const unsubscribe = observer.subscribe((r) => seen.push(r.data));
    await vi.waitFor(() => expect(client.isFetching()).toBe(1));
    await invalidatePaths(client, changes.apiKeys);
    release();
    await vi.waitFor(() => expect(client.getQueryData(apiKey(paths.apiKeys))).toBe('after the write'));
    expect(seen).not.toContain('before the write');
    unsubscribe();
  });

  it('names what each write changes', async () => {
    expect(await staleAfter(changes.apiKeys)).toEqual(['apiKeys']);
    expect(await staleAfter(changes.users)).toEqual(['users']);
    expect(await staleAfter(changes.cluster)).toEqual(['clusters', 'cluster', 'dashboard', 'fleet', 'assignments', 'inputs']);
    expect(await staleAfter(changes.assignments)).toEqual(['assignments', 'inputs']);
    expect(await staleAfter(changes.catalogEntry(paths.fluxNamespaces))).toEqual(['inputs', 'namespaces']);
    expect(await staleAfter(changes.catalogDelete(paths.fluxComponents))).toEqual(['assignments', 'inputs', 'components']);
    expect(await staleAfter(changes.fluxImport)).toEqual([
      'clusters',
      'cluster',
      'dashboard',
      'fleet',
      'assignments',
      'inputs',
      'components',
      'namespaces',
      'rolebindings',
    ]);
    expect(await staleAfter(changes.plans)).toEqual(['plans']);
    expect(await staleAfter(changes.orders)).toEqual(['orders', 'entitlement']);
    expect(await staleAfter(changes.invoices)).toEqual(['invoice']);
    expect(await staleAfter(changes.tenancy)).toEqual(['entitlement']);
  });
});
