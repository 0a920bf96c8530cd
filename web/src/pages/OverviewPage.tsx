import { useQuery } from '@tanstack/react-query';
import { paths } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { VersionInfo } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { RoleBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';

export function OverviewPage() {
  const user = useCurrentUser();
  const version = useQuery(apiQuery<VersionInfo>(paths.version));

  return (
    <>
      <h1>About</h1>
      <p className="muted">Who you are signed in as, and which Fleetdeck server answers.</p>
      <div className="cards">
        <section className="panel" aria-labelledby="whoami-title">
          <h2 id="whoami-title">You</h2>
          <dl className="facts" data-testid="whoami">
            <dt>Subject</dt>
            <dd>{user.subject}</dd>
            <dt>Display name</dt>
            <dd>{user.displayName || '—'}</dd>
            <dt>Roles</dt>
            <dd>
              {user.roles.length > 0 ? user.roles.map((r) => <RoleBadge key={r} role={r} />) : <span className="muted">none</span>}
            </dd>
            <dt>Signed in via</dt>
            <dd>{user.method.replace('_', ' ')}</dd>
            <dt>Session expires</dt>
            <dd>{user.expiresAt ? <Time value={user.expiresAt} /> : 'never'}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="version-title">
          <h2 id="version-title">Server</h2>
          {version.error ? <ErrorPanel error={version.error} onRetry={() => void version.refetch()} /> : null}
          {version.isLoading ? <Loading /> : null}
          {version.data ? (
            <dl className="facts" data-testid="version">
              <dt>Service</dt>
              <dd>{version.data.service}</dd>
              <dt>Version</dt>
              <dd>{version.data.version}</dd>
              <dt>Git commit</dt>
              <dd>
                <code>{version.data.gitCommit}</code>
              </dd>
              <dt>Build date</dt>
              <dd>{version.data.buildDate}</dd>
            </dl>
          ) : null}
        </section>
      </div>
    </>
  );
}
