import { Link, useParams, useSearchParams } from 'react-router';
import { clusterPath, FLUX_INPUT_KINDS, fluxInputsPath, type FluxInputKind } from '../api/endpoints';
import type { Cluster, FluxInputs } from '../api/types';
import { Badge } from '../components/Badge';
import { CopyButton } from '../components/CopyButton';
import { FluxErrorPanel } from '../components/FluxErrorPanel';
import { Loading } from '../components/Loading';
import { useApi, type ApiState } from '../hooks/useApi';
import { FLUX_INPUTS_LIMIT, formatBytes, limitUsage, utf8ByteLength } from '../lib/byteSize';
import { fluxRoutes } from '../lib/fluxRoutes';

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
  const [search, setSearch] = useSearchParams();
  const tabParam = search.get('tab');
  const tab: FluxInputKind = isKind(tabParam) ? tabParam : 'platform-components';
  const cluster = useApi<Cluster>(clusterPath(name));
  // null: the cluster has no dns; undefined: not loaded yet.
  const dns = cluster.data?.name === name ? (cluster.data.dns ?? null) : undefined;

  // All three at once, so each tab shows its size.
  const inputs: Record<FluxInputKind, ApiState<FluxInputs>> = {
    'platform-components': useApi<FluxInputs>(dns ? fluxInputsPath(dns, 'platform-components') : null),
    namespaces: useApi<FluxInputs>(dns ? fluxInputsPath(dns, 'namespaces') : null),
    rolebindings: useApi<FluxInputs>(dns ? fluxInputsPath(dns, 'rolebindings') : null),
  };
  const current = inputs[tab];

  return (
    <>
      <p className="breadcrumbs">
        <Link to={fluxRoutes.clusters}>Clusters</Link> / <Link to={fluxRoutes.editor(name)}>{name}</Link> / preview
      </p>
      <h1>Flux inputs of {name}</h1>
      {cluster.error ? <FluxErrorPanel error={cluster.error} title="Cannot load the cluster" onRetry={cluster.reload} /> : null}
      {cluster.loading && !cluster.data ? <Loading /> : null}
      {cluster.data && dns === null ? (
        <div className="panel notice" data-testid="no-dns">
          <h2>No dns</h2>
          <p>
            Flux Operator asks for a cluster's inputs at <code>/api/v2/flux/clusters/&lt;dns&gt;/…</code>, so a cluster without a
            dns has none to preview. Give {name} a dns on the <Link to={fluxRoutes.clusters}>Clusters</Link> page.
          </p>
        </div>
      ) : null}
      {dns ? (
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
            <InputsView state={current} />
          </section>
        </>
      ) : null}
    </>
  );
}

function TabBadge({ state }: { state: ApiState<FluxInputs> }) {
  if (state.error) return <Badge tone="bad">{state.error.code === 'inputs_too_large' ? 'too large' : 'error'}</Badge>;
  if (state.text === undefined) return null;
  const usage = limitUsage(utf8ByteLength(state.text));
  return <Badge tone={usage.level === 'ok' ? 'neutral' : usage.level === 'warn' ? 'warn' : 'bad'}>{formatBytes(utf8ByteLength(state.text))}</Badge>;
}

function InputsView({ state }: { state: ApiState<FluxInputs> }) {
  if (state.error) {
    const { details } = state.error;
    const tooLarge = state.error.code === 'inputs_too_large' && typeof details?.size === 'number';
    return (
      <>
        <FluxErrorPanel
          error={state.error}
          title={state.error.status === 404 ? 'Flux does not know this dns' : 'Flux would get an error'}
          onRetry={state.reload}
        />
        {tooLarge ? (
          <SizeBar size={details.size as number} limit={typeof details.limit === 'number' ? details.limit : FLUX_INPUTS_LIMIT} />
        ) : null}
      </>
    );
  }
  if (state.text === undefined || state.data === undefined) return <Loading />;
  const size = utf8ByteLength(state.text);
  const pretty = JSON.stringify(state.data, null, 2);
  return (
    <>
      <div className="table-toolbar">
        <SizeBar size={size} limit={FLUX_INPUTS_LIMIT} />
        <span className="spacer" />
        {state.loading ? <Loading label="" /> : null}
        <span className="muted">{state.data.inputs.length === 1 ? '1 input' : `${state.data.inputs.length} inputs`}</span>
        <button type="button" onClick={state.reload}>
          Refresh
        </button>
        <CopyButton text={state.text} label="Copy raw JSON" />
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
