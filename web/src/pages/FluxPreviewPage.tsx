import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import type { ApiResponse } from '../api/client';
import { clusterPath, FLUX_INPUT_KINDS, fluxInputsPath, type FluxInputKind } from '../api/endpoints';
import { apiQuery, apiResponseQuery } from '../api/queries';
import type { Cluster, FluxInputs } from '../api/types';
import { Badge } from '../components/Badge';
import { CopyButton } from '../components/CopyButton';
import { FluxErrorPanel } from '../components/FluxErrorPanel';
import { Loading } from '../components/Loading';
import { FLUX_INPUTS_LIMIT, formatBytes, limitUsage, utf8ByteLength } from '../lib/byteSize';
import { fluxRoutes } from '../lib/fluxRoutes';

/** The inputs as received: the raw text is what Flux measures against its limit. */
type InputsState = UseQueryResult<ApiResponse<FluxInputs>>;

const TAB_LABELS: Record<FluxInputKind, string> = {
  'platform-components': 'Platform components',
  namespaces: 'Namespaces',
  rolebindings: 'Role bindings',
};

function isKind(value: string | null): value is FluxInputKind {
  return (FLUX_INPUT_KINDS as readonly (string | null)[]).includes(value);
}

export function FluxPreviewPage() {
  const { name = '' } = useParams();
  const cluster = useQuery(apiQuery<Cluster>(clusterPath(name)));
  const dns = cluster.data?.dns;

  return (
    <>
      <p className="breadcrumbs">
        <Link to={fluxRoutes.clusters}>Clusters</Link> / <Link to={fluxRoutes.editor(name)}>{name}</Link> / preview
      </p>
      <h1>Flux inputs of {name}</h1>
      {cluster.error ? <FluxErrorPanel error={cluster.error} title="Cannot load the cluster" onRetry={() => void cluster.refetch()} /> : null}
      {cluster.isLoading ? <Loading /> : null}
      {cluster.data && !dns ? (
        <div className="panel notice" data-testid="no-dns">
          <h2>No dns</h2>
          <p>
            Flux Operator asks for a cluster's inputs at <code>/api/v2/flux/clusters/&lt;dns&gt;/…</code>, so a cluster without a
            dns has none to preview. Give {name} a dns on the <Link to={fluxRoutes.clusters}>Clusters</Link> page.
          </p>
        </div>
      ) : null}
      {dns ? <InputsTabs dns={dns} /> : null}
    </>
  );
}

function InputsTabs({ dns }: { dns: string }) {
  const [search, setSearch] = useSearchParams();
  const tabParam = search.get('tab');
  const tab: FluxInputKind = isKind(tabParam) ? tabParam : 'platform-components';
  // All three at once, so each tab shows its size.
  const inputs: Record<FluxInputKind, InputsState> = {
    'platform-components': useQuery(apiResponseQuery<FluxInputs>(fluxInputsPath(dns, 'platform-components'))),
    namespaces: useQuery(apiResponseQuery<FluxInputs>(fluxInputsPath(dns, 'namespaces'))),
    rolebindings: useQuery(apiResponseQuery<FluxInputs>(fluxInputsPath(dns, 'rolebindings'))),
  };

  return (
    <>
      <p className="muted">
        Exactly what Flux Operator receives from <code>{fluxInputsPath(dns, tab)}</code>. Flux refuses a response over{' '}
        {formatBytes(FLUX_INPUTS_LIMIT)} ({FLUX_INPUTS_LIMIT.toLocaleString('en-US')} bytes).
      </p>
      <div className="tabs" role="tablist" aria-label="Input kinds">
        {FLUX_INPUT_KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            role="tab"
            aria-selected={kind === tab}
            className={kind === tab ? 'tab active' : 'tab'}
            onClick={() => setSearch({ tab: kind }, { replace: true })}
          >
            {TAB_LABELS[kind]} <TabBadge state={inputs[kind]} />
          </button>
        ))}
      </div>
      <section className="panel" role="tabpanel" aria-label={TAB_LABELS[tab]}>
        <InputsView state={inputs[tab]} />
      </section>
    </>
  );
}

function TabBadge({ state }: { state: InputsState }) {
  if (state.error) return <Badge tone="bad">{state.error.code === 'inputs_too_large' ? 'too large' : 'error'}</Badge>;
  if (state.data === undefined) return null;
  const size = utf8ByteLength(state.data.text);
  const usage = limitUsage(size);
  return <Badge tone={usage.level === 'ok' ? 'neutral' : usage.level === 'warn' ? 'warn' : 'bad'}>{formatBytes(size)}</Badge>;
}

function InputsView({ state }: { state: InputsState }) {
  const refresh = () => void state.refetch();
  if (state.error) {
    const { details } = state.error;
    const tooLarge = state.error.code === 'inputs_too_large' && typeof details?.size === 'number';
    return (
      <>
        <FluxErrorPanel
          error={state.error}
          title={state.error.status === 404 ? 'Flux does not know this dns' : 'Flux would get an error'}
          onRetry={refresh}
        />
        {tooLarge ? (
          <SizeBar size={details.size as number} limit={typeof details.limit === 'number' ? details.limit : FLUX_INPUTS_LIMIT} />
        ) : null}
      </>
    );
  }
  if (state.data === undefined) return <Loading />;
  const { data: body, text } = state.data;
  const size = utf8ByteLength(text);
  const pretty = JSON.stringify(body, null, 2);
  return (
    <>
      <div className="table-toolbar">
        <SizeBar size={size} limit={FLUX_INPUTS_LIMIT} />
        <span className="spacer" />
        {state.isFetching ? <Loading label="" /> : null}
        <span className="muted">{body.inputs.length === 1 ? '1 input' : `${body.inputs.length} inputs`}</span>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        <CopyButton text={text} label="Copy raw JSON" />
      </div>
      <pre className="json-view" data-testid="inputs-json">
        {pretty}
      </pre>
    </>
  );
}

/** The body's size against the limit, as text and a bar. */
function SizeBar({ size, limit }: { size: number; limit: number }) {
  const usage = limitUsage(size, limit);
  return (
    <div className="size" data-testid="inputs-size" data-bytes={size} data-level={usage.level}>
      <span>
        {size.toLocaleString('en-US')} bytes ({formatBytes(size)}) of {formatBytes(limit)} — {(usage.fraction * 100).toFixed(usage.fraction < 0.1 ? 2 : 1)} %
      </span>
      <div
        className={`size-bar size-${usage.level}`}
        role="meter"
        aria-label="Size against the Flux limit"
        aria-valuemin={0}
        aria-valuemax={limit}
        aria-valuenow={Math.min(size, limit)}
      >
        <div className="size-bar-fill" style={{ width: `${usage.barPercent}%` }} />
      </div>
    </div>
  );
}
