import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import type { ApiError } from '../api/client';
import { deleteAlertRule, paths } from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { ChannelList, ChannelView, DeliveryList, RuleList, RuleView } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { AlertChannels } from '../components/AlertChannels';
import { AlertRuleForm } from '../components/AlertRuleForm';
import { AlertTabs } from '../components/AlertTabs';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FilterBar, FilterInput } from '../components/FilterBar';
import { Loading } from '../components/Loading';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { ALERTS_REFRESH_MS, deliveriesApiPath, deliveryFiltersFromSearch, deliverySummary, EMPTY_DELIVERY_FILTERS, ruleSourceLabel, type DeliveryFilters } from '../lib/alerts';
import { hasRoleAtLeast, isAdmin } from '../lib/roles';
import { filtersQuery } from '../lib/signals';

/** Alert rules (viewers read, operators write), channels (operators read, admins write) and the delivery log. */
export function AlertsPage() {
  const user = useCurrentUser();
  const operator = hasRoleAtLeast(user.roles, 'operator');
  const rules = useQuery(apiQuery<RuleList>(paths.alertRules));
  // Channels and deliveries are for operators and above: a viewer is not asked (it would be 403).
  const channels = useQuery({ ...apiQuery<ChannelList>(paths.alertChannels), enabled: operator });
  const channelList = channels.data?.channels ?? [];

  return (
    <>
      <h1>Alerts</h1>
      <AlertTabs />
      <RulesPanel rules={rules.data?.rules} error={rules.error} onRetry={() => void rules.refetch()} channels={channelList} canWrite={operator} />
      {operator ? (
        <>
          {channels.error ? <ErrorPanel error={channels.error} title="Cannot read the channels" onRetry={() => void channels.refetch()} /> : null}
          {channels.data ? <AlertChannels channels={channelList} canWrite={isAdmin(user.roles)} /> : null}
          <DeliveryLog />
        </>
      ) : (
        <p className="muted">Channels and the delivery log are shown to operators.</p>
      )}
    </>
  );
}

/** `?` is never a rule id: the editor of a new rule. */
const NEW = '?';

function RulesPanel({
  rules,
  error,
  onRetry,
  channels,
  canWrite,
}: {
  rules: RuleView[] | undefined;
  error: ApiError | null;
  onRetry: () => void;
  channels: readonly ChannelView[];
  canWrite: boolean;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const remove = useApiMutation(deleteAlertRule, changes.alerts);
  const edited = rules?.find((r) => r.id === editing);
  // Viewers cannot read channels: rules then name them by id.
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name ?? id;

  return (
    <section className="panel" aria-label="Rules">
      <div className="table-toolbar">
        <h2>Rules</h2>
        <span className="spacer" />
        {canWrite ? (
          <button type="button" className="primary" onClick={() => setEditing(NEW)}>
            New rule
          </button>
        ) : null}
      </div>
      {error ? <ErrorPanel error={error} onRetry={onRetry} /> : null}
      {remove.error ? <ErrorPanel error={remove.error} title="Delete failed" /> : null}
      {!rules && !error ? <Loading /> : null}
      {rules && rules.length === 0 ? <p className="muted">No rules yet.</p> : null}
      {rules && rules.length > 0 ? (
        <table className="table" aria-label="Rules">
          <thead>
            <tr>
              <th>Name</th>
              <th>Watches</th>
              <th>Channels</th>
              <th>Repeat</th>
              <th>State</th>
              {canWrite ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id} data-testid="rule-row" data-name={r.name}>
                <td>{r.name}</td>
                <td>{ruleSourceLabel(r)}</td>
                <td>{r.channelIds.map(channelName).join(', ')}</td>
                <td>{r.repeatInterval}</td>
                <td>{r.enabled ? <Badge tone="good">enabled</Badge> : <Badge>disabled</Badge>}</td>
                {canWrite ? (
                  <td className="actions">
                    <button type="button" onClick={() => setEditing(r.id)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="danger"
                      disabled={remove.isPending}
                      onClick={() => {
                        if (window.confirm(`Delete rule "${r.name}"? Its open alerts resolve.`)) remove.mutate(r.id);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing === NEW ? <AlertRuleForm key={NEW} channels={channels} onDone={() => setEditing(null)} /> : null}
      {edited ? <AlertRuleForm key={edited.id} rule={edited} channels={channels} onDone={() => setEditing(null)} /> : null}
    </section>
  );
}

/** Every delivery, newest first; its filters (alert, channel) live in the URL. */
function DeliveryLog() {
  const [search, setSearch] = useSearchParams();
  const filters = deliveryFiltersFromSearch(search);
  const deliveries = useQuery({ ...apiQuery<DeliveryList>(deliveriesApiPath(filters)), placeholderData: keepPreviousData, refetchInterval: ALERTS_REFRESH_MS });
  const items = deliveries.data?.deliveries ?? [];
  const apply = (next: DeliveryFilters) => setSearch(new URLSearchParams(filtersQuery(next)));

  return (
    <section className="panel" aria-label="Delivery log">
      <div className="table-toolbar">
        <h2>Delivery log</h2>
        {deliveries.isFetching ? <Loading label="" /> : null}
        <span className="spacer" />
        <button type="button" onClick={() => void deliveries.refetch()}>
          Refresh
        </button>
      </div>
      <FilterBar key={JSON.stringify(filters)} label="Delivery filters" filters={filters} empty={EMPTY_DELIVERY_FILTERS} onApply={apply}>
        {(field) => (
          <>
            <FilterInput label="Alert id" {...field('alert')} />
            <FilterInput label="Channel id" {...field('channel')} />
          </>
        )}
      </FilterBar>
      {deliveries.error ? <ErrorPanel error={deliveries.error} onRetry={() => void deliveries.refetch()} /> : null}
      {deliveries.data && items.length === 0 ? <p className="muted">No deliveries match. Tests are not logged; alerts raised by rules or dispatched are.</p> : null}
      {items.length > 0 ? (
        <table className="table" aria-label="Deliveries">
          <thead>
            <tr>
              <th>Sent</th>
              <th>Channel</th>
              <th>Alert</th>
              <th>State sent</th>
              <th>Result</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-testid="delivery-row" data-channel={d.channelName} data-delivered={d.delivered}>
                <td>
                  <Time value={d.sentAt} />
                </td>
                <td>
                  <button type="button" className="link-button" onClick={() => apply({ ...filters, channel: d.channelId })}>
                    {d.channelName}
                  </button>{' '}
                  <span className="muted">({d.channelKind})</span>
                </td>
                <td>
                  <button type="button" className="link-button" onClick={() => apply({ ...filters, alert: d.alertId })}>
                    {d.alertId}
                  </button>
                </td>
                <td>{d.state}</td>
                <td data-col="result">
                  {/* The summary can hold a long error: text that wraps, not a badge. */}
                  {d.delivered ? <Badge tone="good">delivered</Badge> : <Badge tone="bad">failed</Badge>} <span>{deliverySummary(d)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
