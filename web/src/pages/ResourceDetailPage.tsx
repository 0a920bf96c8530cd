import { lazy, Suspense, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import type { ApiError } from '../api/client';
import { nodePodsPath } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { ContainerInfo, ContainerList, ContainerState, EventRowList, FindingList, KubeObject, ResourceInfo, ResourceRowList } from '../api/types';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FindingEvidence } from '../components/FindingEvidence';
import { FindingsTable } from '../components/FindingsTable';
import { LabelChips } from '../components/LabelChips';
import { Loading } from '../components/Loading';
import { LogViewer } from '../components/LogViewer';
import { ObjectActionBar } from '../components/ObjectActions';
import { ResourceTable } from '../components/ResourceTable';
import { SecretData } from '../components/SecretData';
import { Time } from '../components/Time';
import { YamlTab } from '../components/YamlTab';
import { useNow } from '../hooks/useNow';
import { clusterRoutes, linkRoute, type DetailTab } from '../lib/clusterRoutes';
import { columnsFor, defaultSort, rowStatusTone } from '../lib/columns';
import { bySeverity, FINDINGS_REFRESH_MS, findingsApiPath, findingsRoute } from '../lib/findings';
import { findResource, objectApiPath, listApiPath, type KindRef } from '../lib/kinds';
import { defaultView } from '../lib/listView';
import { hasLogs, isPodKind } from '../lib/logs';
import { conditionsOf, ownersOf, podSelector, relatedObjects, type RelatedObject } from '../lib/objectDetail';
import { kindLabel } from '../lib/sidebar';
import { useClusterContext } from './ClusterResourcesLayout';
import { useRouteKind } from './ResourceListPage';

// xterm.js is loaded with the first terminal opened, not with the console.
const PodTerminal = lazy(() => import('../components/PodTerminal').then((m) => ({ default: m.PodTerminal })));

const PODS: KindRef = { group: '', version: 'v1', resource: 'pods' };
const EVENTS: KindRef = { group: '', version: 'v1', resource: 'events' };

/** One object: its summary, conditions, containers, references, events, labels; its YAML; its logs. */
export function ResourceDetailPage() {
  const { cluster, resources } = useClusterContext();
  const kind = useRouteKind();
  const { namespace = null, name = '' } = useParams();
  const [params] = useSearchParams();
  const info = findResource(resources, kind);
  const label = kindLabel(resources, kind);
  const path = objectApiPath(cluster, kind, namespace, name);
  const object = useQuery(apiQuery<KubeObject>(path));
  const logs = hasLogs(kind);
  const terminal = isPodKind(kind);
  const requested = params.get('tab');
  const tab: DetailTab = requested === 'yaml' || (requested === 'logs' && logs) || (requested === 'terminal' && terminal) ? requested : 'overview';
  const tabs: [DetailTab, string][] = [
    ['overview', 'Overview'],
    ['yaml', 'YAML'],
    ...(logs ? [['logs', 'Logs'] as [DetailTab, string]] : []),
    ...(terminal ? [['terminal', 'Terminal'] as [DetailTab, string]] : []),
  ];
  const sort = defaultSort(kind);
  const listBack = clusterRoutes.list(cluster, kind, { view: { ...defaultView(sort), namespace }, defaultSort: sort });

  return (
    <>
      <p className="breadcrumbs">
        <Link to={listBack}>{label}</Link>
        {namespace ? ` / ${namespace}` : ''} / {name}
      </p>
      <div className="table-toolbar">
        <h1 data-testid="object-name">{name}</h1>
        <span className="muted">{object.data?.kind ?? info?.kind}</span>
        {object.data ? <ObjectActionBar cluster={cluster} kind={kind} info={info} object={object.data} /> : null}
      </div>
      <div className="tabs" role="tablist" aria-label="Views">
        {tabs.map(([id, title]) => (
          <Link key={id} role="tab" aria-selected={tab === id} className={tab === id ? 'tab active' : 'tab'} to={clusterRoutes.detail(cluster, kind, namespace, name, id)} replace>
            {title}
          </Link>
        ))}
      </div>
      {object.error ? (
        <ObjectError error={object.error} label={label} name={name} namespace={namespace} onRetry={() => void object.refetch()} />
      ) : !object.data ? (
        <Loading />
      ) : tab === 'yaml' ? (
        <YamlTab cluster={cluster} kind={kind} object={object.data} path={path} />
      ) : tab === 'logs' ? (
        <LogViewer cluster={cluster} kind={kind} object={object.data} />
      ) : tab === 'terminal' ? (
        <Suspense fallback={<Loading />}>
          <PodTerminal cluster={cluster} object={object.data} />
        </Suspense>
      ) : (
        <Overview cluster={cluster} kind={kind} info={info} resources={resources} object={object.data} path={path} />
      )}
    </>
  );
}

function ObjectError({ error, label, name, namespace, onRetry }: { error: ApiError; label: string; name: string; namespace: string | null; onRetry: () => void }) {
  if (error.status === 404) {
    return (
      <div className="notice" data-testid="not-found">
        <p>
          <strong>
            No {label} named {name}
            {namespace ? ` in ${namespace}` : ''}.
          </strong>{' '}
          It may have been deleted.
        </p>
      </div>
    );
  }
  if (error.code === 'kube_forbidden') {
    return (
      <div className="notice" data-testid="forbidden">
        <p>
          <strong>You may not read this {label}.</strong> {error.message}
        </p>
      </div>
    );
  }
  return <ErrorPanel error={error} title={`Cannot read ${name}`} onRetry={onRetry} />;
}

function Overview({ cluster, kind, info, resources, object, path }: { cluster: string; kind: KindRef; info: ResourceInfo | undefined; resources: ResourceInfo[]; object: KubeObject; path: string }) {
  const meta = object.metadata;
  const conditions = conditionsOf(object);
  const related = [...ownersOf(object), ...relatedObjects(object)];
  const selector = podSelector(object);
  const isPod = kind.group === '' && kind.resource === 'pods';
  const isNode = kind.group === '' && kind.resource === 'nodes';

  return (
    <div className="detail-grid">
      <section className="panel" aria-labelledby="summary-title">
        <h2 id="summary-title">Summary</h2>
        <dl className="facts" data-testid="summary">
          {meta.namespace ? (
            <>
              <dt>Namespace</dt>
              <dd>
                <Link to={clusterRoutes.detail(cluster, { group: '', version: 'v1', resource: 'namespaces' }, null, meta.namespace)}>{meta.namespace}</Link>
              </dd>
            </>
          ) : null}
          <RowFacts cluster={cluster} kind={kind} info={info} name={meta.name} namespace={meta.namespace ?? null} />
          <dt>Created</dt>
          <dd>
            <Time value={meta.creationTimestamp} />
          </dd>
          {meta.deletionTimestamp ? (
            <>
              <dt>Deleting since</dt>
              <dd>
                <Time value={meta.deletionTimestamp} />
              </dd>
            </>
          ) : null}
          <dt>UID</dt>
          <dd>
            <code className="selectable">{meta.uid}</code>
          </dd>
        </dl>
      </section>

      <ObjectFindings cluster={cluster} resources={resources} object={object} />

      {related.length > 0 || selector ? (
        <section className="panel" aria-labelledby="related-title">
          <h2 id="related-title">Related</h2>
          <ul className="related-list" data-testid="related">
            {related.map((r) => (
              <RelatedLink key={`${r.relation}/${r.kind}/${r.name}`} cluster={cluster} resources={resources} related={r} />
            ))}
            {selector ? (
              <li>
                <span className="muted">Selects </span>
                <Link to={clusterRoutes.list(cluster, PODS, { view: { ...defaultView('name'), namespace: meta.namespace ?? null, labelSelector: selector }, defaultSort: 'name' })}>
                  pods with {selector}
                </Link>
              </li>
            ) : null}
          </ul>
        </section>
      ) : null}

      {conditions.length > 0 ? (
        <section className="panel" aria-labelledby="conditions-title">
          <h2 id="conditions-title">Conditions</h2>
          <table className="table" data-testid="conditions">
            <thead>
              <tr>
                <th>Type</th>
                <th>Status</th>
                <th>Reason</th>
                <th>Message</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody>
              {conditions.map((c) => (
                <tr key={c.type}>
                  <td>{c.type}</td>
                  <td>
                    <Badge tone={c.status === 'True' ? 'good' : c.status === 'False' ? 'warn' : 'neutral'}>{c.status}</Badge>
                  </td>
                  <td>{c.reason ?? <span className="muted">—</span>}</td>
                  <td>{c.message ?? <span className="muted">—</span>}</td>
                  <td>
                    <Time value={c.lastTransitionTime} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {isPod ? <Containers path={`${path}/containers`} /> : null}
      {isNode ? <NodePods cluster={cluster} node={meta.name} resources={resources} /> : null}
      {object.kind === 'Secret' ? <SecretData cluster={cluster} object={object} /> : null}
      <Events cluster={cluster} path={`${path}/events`} resources={resources} />

      <section className="panel" aria-labelledby="labels-title">
        <h2 id="labels-title">Labels and annotations</h2>
        <h3 className="subhead">Labels</h3>
        <LabelChips labels={meta.labels} />
        <h3 className="subhead">Annotations</h3>
        {Object.keys(meta.annotations ?? {}).length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <dl className="facts annotations" data-testid="annotations">
            {Object.entries(meta.annotations ?? {}).map(([key, value]) => (
              <div key={key} className="annotation">
                <dt>{key}</dt>
                <dd>
                  <pre>{value}</pre>
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>
    </div>
  );
}

/** The row's cells (the table's columns for this kind) as facts: the same words as the table. */
function RowFacts({ cluster, kind, info, name, namespace }: { cluster: string; kind: KindRef; info: ResourceInfo | undefined; name: string; namespace: string | null }) {
  const query = new URLSearchParams({ q: name, ...(namespace ? { namespace } : {}) });
  const rows = useQuery(apiQuery<ResourceRowList>(`${listApiPath(cluster, kind)}?${query.toString()}`));
  const { resources } = useClusterContext();
  const now = useNow();
  const row = rows.data?.items.find((r) => r.name === name && (r.namespace ?? null) === namespace);
  if (!row) return null;
  const columns = columnsFor(kind, info, { oneNamespace: true }).filter((c) => c.id !== 'name' && c.id !== 'age');
  return (
    <>
      {columns.map((column) => {
        const link = column.link?.(row);
        const href = link && link !== 'self' ? linkRoute(cluster, resources, link) : null;
        const text = column.text(row, now);
        const tone = column.tone?.(row);
        return (
          <div key={column.id} className="fact" data-col={column.id}>
            <dt>{column.header}</dt>
            <dd className={tone && tone !== 'neutral' ? `text-${tone}` : undefined} title={column.title?.(row)}>
              {href ? <Link to={href}>{text}</Link> : text}
            </dd>
          </div>
        );
      })}
    </>
  );
}

/** The object's open findings, most severe first; a row opens its evidence below. */
function ObjectFindings({ cluster, resources, object }: { cluster: string; resources: ResourceInfo[]; object: KubeObject }) {
  const filters = { cluster, namespace: object.metadata.namespace ?? '', kind: object.kind, name: object.metadata.name };
  const findings = useQuery({ ...apiQuery<FindingList>(findingsApiPath(filters)), refetchInterval: FINDINGS_REFRESH_MS });
  const [selected, setSelected] = useState<string | null>(null);
  const items = bySeverity(findings.data?.items ?? []);
  return (
    <section className="panel" aria-labelledby="findings-title" data-testid="object-findings">
      <div className="table-toolbar">
        <h2 id="findings-title">Findings {findings.data ? <span className="muted">{items.length}</span> : null}</h2>
        <span className="spacer" />
        <Link to={findingsRoute(filters)}>On the Findings page</Link>
      </div>
      {findings.error ? <ErrorPanel error={findings.error} title="Cannot read the findings" onRetry={() => void findings.refetch()} /> : null}
      {findings.data && items.length === 0 ? <p className="muted">No open findings.</p> : null}
      {items.length > 0 ? (
        <FindingsTable label="Findings of this object" findings={items} selected={selected} onSelect={setSelected} resources={resources} showCluster={false} />
      ) : null}
      {selected ? <FindingEvidence key={selected} id={selected} resources={resources} onClose={() => setSelected(null)} /> : null}
    </section>
  );
}

function RelatedLink({ cluster, resources, related }: { cluster: string; resources: ResourceInfo[]; related: RelatedObject }) {
  const href = linkRoute(cluster, resources, related);
  return (
    <li>
      <span className="muted">{related.relation} </span>
      {related.kind}{' '}
      {href ? <Link to={href}>{related.name}</Link> : <code>{related.name}</code>}
    </li>
  );
}

function stateText(state: ContainerState): string {
  return [state.state, state.reason, state.exitCode !== null && state.exitCode !== undefined ? `exit code ${state.exitCode}` : null].filter(Boolean).join(' · ');
}

function Containers({ path }: { path: string }) {
  const containers = useQuery(apiQuery<ContainerList>(path));
  const resources = (c: ContainerInfo) =>
    [...Object.entries(c.requests).map(([k, v]) => `${k} ${v} requested`), ...Object.entries(c.limits).map(([k, v]) => `${k} ${v} limit`)].join(', ');
  return (
    <section className="panel" aria-labelledby="containers-title">
      <h2 id="containers-title">Containers</h2>
      {containers.error ? <ErrorPanel error={containers.error} title="Cannot read the containers" /> : null}
      {containers.data ? (
        <div className="table-scroll">
          <table className="table" data-testid="containers">
            <thead>
              <tr>
                <th>Name</th>
                <th>Image</th>
                <th>Ready</th>
                <th>State</th>
                <th>Restarts</th>
                <th>Last termination</th>
                <th>Resources</th>
              </tr>
            </thead>
            <tbody>
              {containers.data.items.map((c) => (
                <tr key={`${c.init}/${c.name}`} data-testid="container-row" data-name={c.name}>
                  <td>
                    {c.name} {c.init ? <Badge>init</Badge> : null}
                  </td>
                  <td>
                    <code>{c.image}</code>
                  </td>
                  <td>{c.ready ? <Badge tone="good">ready</Badge> : <Badge tone="warn">not ready</Badge>}</td>
                  <td className={c.state.state === 'running' ? undefined : 'text-bad'} title={c.state.message ?? undefined}>
                    {stateText(c.state)}
                    {c.state.startedAt ? (
                      <>
                        {' '}
                        since <Time value={c.state.startedAt} />
                      </>
                    ) : null}
                  </td>
                  <td>{c.restarts}</td>
                  <td data-col="lastState" title={c.lastState?.message ?? undefined}>
                    {c.lastState ? (
                      <>
                        {stateText(c.lastState)}
                        {c.lastState.finishedAt ? (
                          <>
                            {' '}
                            at <Time value={c.lastState.finishedAt} />
                          </>
                        ) : null}
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>{resources(c) || <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** A small table of rows (events, a node's pods): at most ten rows high, scrolling past that. */
function smallTableHeight(rows: number): string {
  return `${Math.min(rows, 10) * 30 + 34}px`;
}

function Events({ cluster, path, resources }: { cluster: string; path: string; resources: ResourceInfo[] }) {
  const events = useQuery(apiQuery<EventRowList>(path));
  const now = useNow();
  const items = events.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="events-title">
      <h2 id="events-title">
        Events {items.some((e) => rowStatusTone(e.status) === 'bad') ? <Badge tone="bad">warnings</Badge> : null}
      </h2>
      {events.error ? <ErrorPanel error={events.error} title="Cannot read the events" /> : null}
      {events.data && items.length === 0 ? <p className="muted">No events.</p> : null}
      {items.length > 0 ? (
        <ResourceTable
          label="Events"
          rows={items}
          columns={columnsFor(EVENTS, undefined, { oneNamespace: true }).filter((c) => c.id !== 'object')}
          now={now}
          rowHref={(row) => clusterRoutes.detail(cluster, EVENTS, row.namespace ?? null, row.name)}
          linkHref={(link) => linkRoute(cluster, resources, link)}
          height={smallTableHeight(items.length)}
        />
      ) : null}
    </section>
  );
}

function NodePods({ cluster, node, resources }: { cluster: string; node: string; resources: ResourceInfo[] }) {
  const pods = useQuery(apiQuery<ResourceRowList>(nodePodsPath(cluster, node)));
  const now = useNow();
  const items = pods.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="node-pods-title">
      <h2 id="node-pods-title">Pods on this node {pods.data ? <span className="muted">{items.length}</span> : null}</h2>
      {pods.error ? <ErrorPanel error={pods.error} title="Cannot list the node's pods" /> : null}
      {items.length > 0 ? (
        <ResourceTable
          label="Pods on this node"
          rows={items}
          columns={columnsFor(PODS, findResource(resources, PODS), { oneNamespace: false }).filter((c) => c.id !== 'node')}
          now={now}
          rowHref={(row) => clusterRoutes.detail(cluster, PODS, row.namespace ?? null, row.name)}
          linkHref={(link) => linkRoute(cluster, resources, link)}
          height={smallTableHeight(items.length)}
        />
      ) : null}
    </section>
  );
}
