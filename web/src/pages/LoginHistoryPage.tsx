import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { userLoginsPath } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { LoginList } from '../api/types';
import { OutcomeBadge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';

/** A user's sign-in attempts, newest first (their own, or anyone's for an admin). */
export function LoginHistoryPage() {
  const { username = '' } = useParams();
  // The `before` cursors of the pages seen, to go back as well as on.
  const [cursors, setCursors] = useState<string[]>([]);
  const before = cursors.at(-1);
  const path = before ? `${userLoginsPath(username)}?before=${encodeURIComponent(before)}` : userLoginsPath(username);
  const logins = useQuery({ ...apiQuery<LoginList>(path), placeholderData: keepPreviousData });

  return (
    <>
      <h1>Sign-in history of {username}</h1>
      <section className="panel">
        {logins.isLoading ? <Loading /> : null}
        {logins.error ? <ErrorPanel error={logins.error} onRetry={() => void logins.refetch()} /> : null}
        {logins.data ? (
          logins.data.items.length === 0 ? (
            <p className="muted">No sign-ins recorded.</p>
          ) : (
            <table className="table" aria-label="Sign-ins">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Method</th>
                  <th>Client IP</th>
                  <th>Outcome</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {logins.data.items.map((login) => (
                  <tr key={login.id}>
                    <td>
                      <Time value={login.at} />
                    </td>
                    <td>{login.provider ? `${login.method} (${login.provider})` : login.method}</td>
                    <td>{login.clientIp}</td>
                    <td>
                      <OutcomeBadge outcome={login.outcome} />
                    </td>
                    <td>{login.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        ) : null}
        <div className="row-actions">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
          <button type="button" disabled={!logins.data?.next} onClick={() => setCursors((c) => (logins.data?.next ? [...c, logins.data.next] : c))}>
            Older
          </button>
        </div>
      </section>
    </>
  );
}
