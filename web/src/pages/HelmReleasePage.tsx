import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { ApiError } from '../api/client';
import { helmDiffPath, helmHistoryPath, helmRevisionPath } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { HelmReleaseDetail, HelmReleaseDiff, HelmReleaseHistory, HelmValueChange, ResourceInfo } from '../api/types';
import { Badge } from '../components/Badge';
import { UnifiedDiff } from '../components/UnifiedDiff';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { clusterRoutes, linkRoute, type ReleaseTab } from '../lib/clusterRoutes';
import { diffLines, diffPair, diffSummary, formatValue, releaseStatusTone, releaseTab, revisionParam } from '../lib/helm';
import { useClusterContext } from './ClusterResourcesLayout';
import { Skipped } from './HelmReleasesPage';

const TABS: [ReleaseTab, string][] = [
  ['overview', 'Overview'],
  ['values', 'Values'],
  ['manifest', 'Manifest'],
  ['history', 'History'],
  ['diff', 'Diff'],
];

/** One Helm release: a revision's summary, values and manifest; its history; a diff of two revisions. */
export function HelmReleasePage() {
  const { cluster, resources } = useClusterContext();
  const { namespace = '', name = '' } = useParams();
  const [params] = useSearchParams();
  const tab = releaseTab(params.get('tab'));
  const revision = revisionParam(params.get('revision'));
  const route = (to: ReleaseTab, query: Record<string, number> = {}) => clusterRoutes.helmRelease(cluster, namespace, name, to, query);
  // The revision a tab shows stays when moving between the tabs that show one revision.
  const kept: Record<string, number> = revision ? { revision } : {};

  return (
    <>
      <p className="breadcrumbs">
        <Link to={clusterRoutes.helmReleases(cluster)}>Helm releases</Link> / {namespace} / {name}
      </p>
      <div className="table-toolbar">
        <h1 data-testid="release-name">{name}</h1>
        <span className="muted">Helm release{revision ? `, revision ${revision}` : ''}</span>
      </div>
      <div className="tabs" role="tablist" aria-label="Views">
        {TABS.map(([id, title]) => (
          <Link key={id} role="tab" aria-selected={tab === id} className={tab === id ? 'tab active' : 'tab'} to={route(id, id === 'history' || id === 'diff' ? {} : kept)} replace>
            {title}
          </Link>
        ))}
      </div>
      {tab === 'history' ? (
        <History cluster={cluster} namespace={namespace} name={name} route={route} />
      ) : tab === 'diff' ? (
        <Diff cluster={cluster} namespace={namespace} name={name} from={revisionParam(params.get('from'))} to={revisionParam(params.get('to'))} />
      ) : (
        <Revision cluster={cluster} resources={resources} namespace={namespace} name={name} revision={revision} tab={tab} />
      )}
    </>
  );
}

function ReleaseError({ error, what, onRetry }: { error: ApiError; what: string; onRetry: () => void }) {
  if (error.status === 404) {
    return (
      <div className="notice" data-testid="not-found">
        <p>
          <strong>{error.message}.</strong>
        </p>
      </div>
    );
  }
  if (error.status === 403) {
    return (
      <div className="notice" data-testid="forbidden">
        <p>
          <strong>You may not read {what}.</strong> A release's values can hold secrets: reading them takes the operator role, or on clusters that act as
          you, Kubernetes permission to read Secrets in its namespace.
        </p>
        <p className="hint">{error.message}</p>
      </div>
    );
  }
  return <ErrorPanel error={error} title={`Cannot read ${what}`} onRetry={onRetry} />;
}

function Revision(props: { cluster: string; resources: ResourceInfo[]; namespace: string; name: string; revision: number | null; tab: ReleaseTab }) {
  const { cluster, resources, namespace, name, revision, tab } = props;
  const detail = useQuery(apiQuery<HelmReleaseDetail>(helmRevisionPath(cluster, namespace, name, revision)));
  const [computed, setComputed] = useState(false);
  if (detail.error) return <ReleaseError error={detail.error} what="this release" onRetry={() => void detail.refetch()} />;
  const release = detail.data;
  if (!release) return <Loading label="Reading the release…" />;

  if (tab === 'values') {
    return (
      <section className="panel" aria-label="Values">
        <div className="filter-row">
          <label className="inline-label">
            <input type="checkbox" checked={computed} onChange={(e) => setComputed(e.target.checked)} /> Include the chart's defaults
          </label>
        </div>
        <pre className="json-view yaml-view" data-testid="values">
          {JSON.stringify(computed ? release.values.computed : release.values.user, null, 2)}
        </pre>
      </section>
    );
  }
  if (tab === 'manifest') {
    return (
      <section className="panel" aria-label="Manifest">
        <pre className="json-view yaml-view" data-testid="manifest">
          {release.manifest}
        </pre>
      </section>
    );
  }
  const chart = release.chartMetadata;
  return (
    <div className="detail-grid">
      <section className="panel" aria-labelledby="summary-title">
        <h2 id="summary-title">Summary</h2>
        <dl className="facts" data-testid="summary">
          <dt>Namespace</dt>
          <dd>{release.namespace}</dd>
          <dt>Revision</dt>
          <dd>{release.revision}</dd>
          <dt>Status</dt>
          <dd>
            <Badge tone={releaseStatusTone(release.status)}>{release.status}</Badge>
          </dd>
          <dt>Chart</dt>
          <dd>
            {chart.name}-{chart.version}
            {chart.description ? <span className="muted"> — {chart.description}</span> : null}
          </dd>
          <dt>App version</dt>
          <dd>{release.appVersion ?? '—'}</dd>
          <dt>Updated</dt>
          <dd>
            <Time value={release.updated} />
          </dd>
          <dt>First deployed</dt>
          <dd>
            <Time value={release.firstDeployed} />
          </dd>
          <dt>Description</dt>
          <dd>{release.description}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="resources-title">
        <h2 id="resources-title">Objects</h2>
        <table className="table" data-testid="release-resources">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Name</th>
              <th>Namespace</th>
              <th>API version</th>
              <th>Template</th>
            </tr>
          </thead>
          <tbody>
            {release.resources.map((r, i) => {
              const target = linkRoute(cluster, resources, { kind: r.kind, apiVersion: r.apiVersion, namespace: r.namespace ?? release.namespace, name: r.name });
              return (
                <tr key={i}>
                  <td>{r.kind}</td>
                  <td>{target ? <Link to={target}>{r.name}</Link> : r.name}</td>
                  <td>{r.namespace ?? <span className="muted">{release.namespace}</span>}</td>
                  <td>{r.apiVersion}</td>
                  <td className="muted">{r.source ?? '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {release.hooks.length ? (
          <>
            <h3 className="subhead">Hooks</h3>
            <ul className="related-list">
              {release.hooks.map((h) => (
                <li key={`${h.kind}/${h.name}`}>
                  {h.kind}/{h.name} <span className="muted">({(h.events ?? []).join(', ')})</span>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      {release.notes ? (
        <section className="panel" aria-labelledby="notes-title">
          <h2 id="notes-title">Notes</h2>
          <pre className="json-view" data-testid="notes">
            {release.notes}
          </pre>
        </section>
      ) : null}
    </div>
  );
}

function History({ cluster, namespace, name, route }: { cluster: string; namespace: string; name: string; route: (to: ReleaseTab, query?: Record<string, number>) => string }) {
  const history = useQuery(apiQuery<HelmReleaseHistory>(helmHistoryPath(cluster, namespace, name)));
  if (history.error) return <ReleaseError error={history.error} what="this release's history" onRetry={() => void history.refetch()} />;
  if (!history.data) return <Loading label="Reading the history…" />;
  const items = history.data.items;
  return (
    <>
      {history.data.skipped.length ? <Skipped skipped={history.data.skipped} /> : null}
      <div className="table-scroll">
        <table className="table" data-testid="release-history">
          <thead>
            <tr>
              <th>Revision</th>
              <th>Status</th>
              <th>Chart</th>
              <th>App version</th>
              <th>Updated</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((r, i) => {
              const previous = items[i + 1]?.revision;
              return (
                <tr key={r.revision}>
                  <td>
                    <Link to={route('overview', { revision: r.revision })}>{r.revision}</Link>
                  </td>
                  <td>
                    <Badge tone={releaseStatusTone(r.status)}>{r.status}</Badge>
                  </td>
                  <td>
                    {r.chart}-{r.chartVersion}
                  </td>
                  <td>{r.appVersion ?? '—'}</td>
                  <td>
                    <Time value={r.updated} />
                  </td>
                  <td>{r.description}</td>
                  <td>{previous ? <Link to={route('diff', { from: previous, to: r.revision })}>diff with {previous}</Link> : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {history.data.truncated ? <p className="muted">Older revisions are not shown.</p> : null}
    </>
  );
}

function Diff({ cluster, namespace, name, from, to }: { cluster: string; namespace: string; name: string; from: number | null; to: number | null }) {
  const navigate = useNavigate();
  const history = useQuery(apiQuery<HelmReleaseHistory>(helmHistoryPath(cluster, namespace, name)));
  const revisions = history.data?.items ?? [];
  const pair = diffPair(revisions, from, to);
  const ready = pair.from !== null && pair.to !== null;
  const diff = useQuery({
    ...apiQuery<HelmReleaseDiff>(helmDiffPath(cluster, namespace, name, pair.from ?? 0, pair.to ?? 0)),
    enabled: ready,
  });
  if (history.error) return <ReleaseError error={history.error} what="this release's history" onRetry={() => void history.refetch()} />;
  if (!history.data) return <Loading label="Reading the history…" />;

  const pick = (side: 'from' | 'to', value: number) =>
    navigate(clusterRoutes.helmRelease(cluster, namespace, name, 'diff', { ...(pair.from ? { from: pair.from } : {}), ...(pair.to ? { to: pair.to } : {}), [side]: value }), {
      replace: true,
    });
  const select = (side: 'from' | 'to', value: number | null) => (
    <label className="inline-label">
      {side === 'from' ? 'From revision' : 'To revision'}
      <select value={value ?? ''} onChange={(e) => pick(side, Number(e.target.value))} aria-label={side === 'from' ? 'From revision' : 'To revision'}>
        {value === null ? <option value="">—</option> : null}
        {revisions.map((r) => (
          <option key={r.revision} value={r.revision}>
            {r.revision} ({r.status})
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <div className="filter-row">
        {select('from', pair.from)}
        {select('to', pair.to)}
      </div>
      {!ready ? (
        <p className="muted empty-state">This release has only one revision: there is nothing to compare it with.</p>
      ) : diff.error ? (
        <ReleaseError error={diff.error} what="this diff" onRetry={() => void diff.refetch()} />
      ) : !diff.data ? (
        <Loading label="Comparing the revisions…" />
      ) : (
        <DiffView diff={diff.data} />
      )}
    </>
  );
}

function DiffView({ diff }: { diff: HelmReleaseDiff }) {
  const [user, setUser] = useState(false);
  const values = user ? diff.userValues : diff.values;
  const rows: [string, HelmValueChange][] = [
    ...values.added.map((c): [string, HelmValueChange] => ['added', c]),
    ...values.removed.map((c): [string, HelmValueChange] => ['removed', c]),
    ...values.changed.map((c): [string, HelmValueChange] => ['changed', c]),
  ];
  return (
    <div className="detail-grid" data-testid="release-diff">
      <p className="muted" data-testid="diff-summary">
        Revision {diff.from.revision} → {diff.to.revision}: {diffSummary(diff)}.
      </p>
      <section className="panel" aria-labelledby="values-diff-title">
        <h2 id="values-diff-title">Values</h2>
        <label className="inline-label">
          <input type="checkbox" checked={user} onChange={(e) => setUser(e.target.checked)} /> Only the values supplied (without the chart's defaults)
        </label>
        {rows.length === 0 ? (
          <p className="muted">No value changed.</p>
        ) : (
          <table className="table" data-testid="values-diff">
            <thead>
              <tr>
                <th>Path</th>
                <th>Change</th>
                <th>From</th>
                <th>To</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([change, c]) => (
                <tr key={`${change} ${c.path}`} className={`diff-${change}`}>
                  <td>
                    <code>{c.path}</code>
                  </td>
                  <td>{change}</td>
                  <td>
                    <code>{formatValue(c.from)}</code>
                  </td>
                  <td>
                    <code>{formatValue(c.to)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="manifest-diff-title">
        <h2 id="manifest-diff-title">Objects</h2>
        {diff.manifest.resources.length === 0 ? <p className="muted">No object changed.</p> : null}
        {diff.manifest.resources.map((r) => (
          <div key={`${r.resource.kind}/${r.resource.namespace ?? ''}/${r.resource.name}`} className="diff-object" data-testid="object-change">
            <p>
              <Badge tone={r.change === 'added' ? 'good' : r.change === 'removed' ? 'bad' : 'warn'}>{r.change}</Badge> {r.resource.kind}/{r.resource.name}
              {r.resource.namespace ? <span className="muted"> in {r.resource.namespace}</span> : null}
            </p>
            {r.diff ? <UnifiedDiff lines={diffLines(r.diff)} /> : null}
          </div>
        ))}
      </section>
    </div>
  );
}
