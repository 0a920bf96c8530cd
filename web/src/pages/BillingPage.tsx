import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import {
  cancelOrder,
  checkoutOrder,
  createOrder,
  createPlan,
  deletePlan,
  entitlementOfPath,
  finalizeInvoice,
  invoiceCsvPath,
  invoicePath,
  markOrderPaid,
  ordersOfPath,
  paths,
  projectsOfPath,
  usageOfPath,
} from '../api/endpoints';
import { apiQuery, changes } from '../api/queries';
import type { Entitlement, Invoice, Order, OrderList, OrderStatus, PlanList, ProjectList, TenantList, UsageReport } from '../api/types';
import { useCurrentUser } from '../auth/AuthContext';
import { Badge } from '../components/Badge';
import { ErrorPanel } from '../components/ErrorPanel';
import { FormFooter } from '../components/FormFooter';
import { Loading } from '../components/Loading';
import { QuotaBars } from '../components/QuotaBars';
import { Time } from '../components/Time';
import { useApiMutation } from '../hooks/useApiMutation';
import { useEditForm } from '../hooks/useEditForm';
import { useFresh } from '../hooks/useFresh';
import { useNow } from '../hooks/useNow';
import {
  barHeights,
  canOrder,
  checkoutNotice,
  EMPTY_PLAN_DRAFT,
  isMonth,
  isMonthOver,
  monthOf,
  monthSpan,
  orderActions,
  planTerms,
  quotaBar,
  usageSeries,
  type OrderAction,
  type PlanDraft,
  type UsageSeries,
} from '../lib/billing';
import { isAdmin } from '../lib/roles';
import { quotaLine } from '../lib/tenancy';

/**
 * A tenant's billing over a month (`?tenant=`, default the first; `?month=`, default this one,
 * UTC): its usage by day, the month's invoice, its entitlement and orders, and for admins the plans.
 */
export function BillingPage() {
  const [search, setSearch] = useSearchParams();
  const { roles } = useCurrentUser();
  const now = useNow(60_000);
  const admin = isAdmin(roles);
  // A project's key reads its project's usage only: tenants, invoices and orders are its tenant's.
  const projectKey = roles.includes('project');
  const tenants = useQuery({ ...apiQuery<TenantList>(paths.tenants), enabled: !projectKey });
  const tenantId = projectKey ? null : (search.get('tenant') ?? tenants.data?.items[0]?.id ?? null);
  const wanted = search.get('month');
  const month = wanted && isMonth(wanted) ? wanted : monthOf(now);
  const notice = checkoutNotice(search.get('checkout'));
  // Stripe's return (`checkout`, `order`) shows until the next choice, which drops it.
  const choose = (next: { tenant?: string; month?: string; project?: string | null }) => {
    const params = new URLSearchParams();
    const tenant = next.tenant ?? tenantId;
    if (tenant) params.set('tenant', tenant);
    params.set('month', next.month ?? month);
    const project = next.tenant ? null : next.project === undefined ? search.get('project') : next.project;
    if (project) params.set('project', project);
    setSearch(params);
  };

  return (
    <>
      <h1>Billing</h1>
      {notice ? (
        <p className="panel notice" role="status" data-testid="checkout-notice">
          {notice}
        </p>
      ) : null}
      <div className="form-row">
        {projectKey ? null : (
          <label>
            Tenant
            <select value={tenantId ?? ''} onChange={(e) => choose({ tenant: e.target.value })}>
              {(tenants.data?.items ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.displayName || t.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Month
          <input type="month" value={month} onChange={(e) => isMonth(e.target.value) && choose({ month: e.target.value })} />
        </label>
        {tenants.isFetching ? <Loading label="" /> : null}
      </div>
      {tenants.error ? <ErrorPanel error={tenants.error} onRetry={() => void tenants.refetch()} /> : null}
      {tenants.data && tenantId === null ? <p className="muted">No tenants yet: billing starts with one.</p> : null}
      {tenantId || projectKey ? <UsagePanel tenantId={tenantId} projectId={tenantId ? search.get('project') : null} month={month} onProject={(project) => choose({ project })} /> : null}
      {tenantId ? (
        <>
          <InvoicePanel key={`${tenantId}/${month}`} tenantId={tenantId} month={month} issuable={admin && isMonthOver(month, now)} />
          <OrdersPanel key={tenantId} tenantId={tenantId} roles={roles} />
        </>
      ) : null}
      {admin ? <PlansPanel /> : null}
    </>
  );
}

function UsagePanel({ tenantId, projectId, month, onProject }: { tenantId: string | null; projectId: string | null; month: string; onProject: (id: string | null) => void }) {
  const usage = useQuery(apiQuery<UsageReport>(usageOfPath({ tenant: tenantId, project: projectId, ...monthSpan(month) })));
  const projects = useQuery({ ...apiQuery<ProjectList>(projectsOfPath(tenantId ?? '')), enabled: tenantId !== null });
  return (
    <section className="panel" aria-label="Usage">
      <div className="table-toolbar">
        <h2>Usage by day</h2>
        {usage.isFetching ? <Loading label="" /> : null}
        <span className="spacer" />
        {tenantId ? (
          <label className="inline-label">
            Project
            <select value={projectId ?? ''} onChange={(e) => onProject(e.target.value || null)}>
              <option value="">all projects</option>
              {(projects.data?.items ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {usage.error ? <ErrorPanel error={usage.error} onRetry={() => void usage.refetch()} /> : null}
      {usage.data ? usageSeries(usage.data.lines, month).map((s) => <UsageChart key={`${s.resource}/${s.unit}`} series={s} />) : null}
    </section>
  );
}

const CHART_WIDTH = 620;
const CHART_HEIGHT = 110;

/** One resource's usage, a bar per day of the month (every 7th day labelled). */
function UsageChart({ series }: { series: UsageSeries }) {
  const heights = barHeights(
    series.days.map((d) => d.micros),
    CHART_HEIGHT,
  );
  const slot = CHART_WIDTH / series.days.length;
  return (
    <figure className="usage-figure">
      <figcaption>
        {series.label}: <strong>{series.total}</strong> {series.unit} in the month
      </figcaption>
      <svg
        className="usage-chart"
        viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT + 16}`}
        role="img"
        aria-label={`${series.label} by day`}
        data-testid="usage-chart"
        data-resource={series.resource}
        data-unit={series.unit}
      >
        <line x1={0} x2={CHART_WIDTH} y1={CHART_HEIGHT} y2={CHART_HEIGHT} className="usage-axis" />
        {series.days.map((d, i) => (
          <rect key={d.period} x={i * slot + slot * 0.15} width={slot * 0.7} y={CHART_HEIGHT - heights[i]} height={heights[i]} className="usage-bar" data-period={d.period} data-quantity={d.quantity}>
            <title>{`${d.period}: ${d.quantity} ${series.unit}`}</title>
          </rect>
        ))}
        {series.days.map((d, i) =>
          i % 7 === 0 ? (
            <text key={d.period} x={i * slot + slot * 0.15} y={CHART_HEIGHT + 12} className="usage-label">
              {d.period.slice(5)}
            </text>
          ) : null,
        )}
      </svg>
    </figure>
  );
}

function InvoicePanel({ tenantId, month, issuable }: { tenantId: string; month: string; issuable: boolean }) {
  const invoice = useQuery(apiQuery<Invoice>(invoicePath(tenantId, month)));
  const issue = useApiMutation(finalizeInvoice, changes.invoices);
  const inv = invoice.data;
  const money = (amount: string) => `${amount} ${inv?.currency ?? ''}`;
  return (
    <section className="panel" aria-label="Invoice">
      <div className="table-toolbar">
        <h2>Invoice of {month}</h2>
        {inv ? <Badge tone={inv.status === 'issued' ? 'good' : 'info'}>{inv.status}</Badge> : null}
        {inv?.number ? <span data-testid="invoice-number">No. {inv.number}</span> : null}
        {invoice.isFetching ? <Loading label="" /> : null}
        <span className="spacer" />
        <a className="button-link" href={invoiceCsvPath(tenantId, month)} download>
          Download CSV
        </a>
        {issuable && inv?.status === 'draft' ? (
          <button type="button" disabled={issue.isPending} onClick={() => window.confirm(`Issue the invoice of ${month}? It never changes after.`) && issue.mutate({ tenantId, month })}>
            Issue invoice
          </button>
        ) : null}
      </div>
      {issue.error ? <ErrorPanel error={issue.error} title="Issue failed" /> : null}
      {invoice.error ? <ErrorPanel error={invoice.error} onRetry={() => void invoice.refetch()} /> : null}
      {inv?.status === 'draft' ? <p className="muted">A draft of the month's usage at the tenant's prices{issuable ? '.' : ': it is issued once the month is over.'}</p> : null}
      {inv ? (
        <table className="table" aria-label="Invoice lines">
          <thead>
            <tr>
              <th>Project</th>
              <th>Resource</th>
              <th>Quantity</th>
              <th>Price</th>
              <th>Amount</th>
            </tr>
          </thead>
          <tbody>
            {inv.lines.map((l) => (
              <tr key={`${l.projectId ?? ''}/${l.resource}/${l.unit}`} data-testid="invoice-line" data-resource={l.resource}>
                <td>{l.projectName ?? <span className="muted">the tenant's own</span>}</td>
                <td>{l.resource}</td>
                <td>
                  {l.quantity} {l.unit}
                </td>
                <td>{l.price == null ? <span className="muted">unpriced</span> : `${money(l.price)} / ${l.unit.replace(/-hours$/, '-hour')}`}</td>
                <td>{money(l.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={4}>Subtotal</th>
              <td data-testid="invoice-subtotal">{money(inv.subtotal)}</td>
            </tr>
            {inv.creditNotes.map((n) => (
              <tr key={n.id}>
                <th colSpan={4}>Credit note: {n.reason}</th>
                <td>−{money(n.amount)}</td>
              </tr>
            ))}
            <tr>
              <th colSpan={4}>Total</th>
              <td data-testid="invoice-total">
                <strong>{money(inv.total)}</strong>
              </td>
            </tr>
          </tfoot>
        </table>
      ) : null}
    </section>
  );
}

const ORDER_TONES: Record<OrderStatus, 'info' | 'good' | 'neutral'> = { pending: 'info', paid: 'good', canceled: 'neutral' };
const ORDER_ACTION_LABELS: Record<OrderAction, string> = { pay: 'Pay', markPaid: 'Mark paid', cancel: 'Cancel' };

function OrdersPanel({ tenantId, roles }: { tenantId: string; roles: readonly string[] }) {
  const entitlement = useQuery(apiQuery<Entitlement>(entitlementOfPath(tenantId)));
  const plans = useQuery(apiQuery<PlanList>(paths.plans));
  const orders = useQuery(apiQuery<OrderList>(ordersOfPath(tenantId)));
  const place = useApiMutation(createOrder, changes.orders);
  const pay = useApiMutation(checkoutOrder, changes.orders);
  const markPaid = useApiMutation(markOrderPaid, changes.orders);
  const cancel = useApiMutation(cancelOrder, changes.orders);
  // Without Stripe the order stays pending until an admin marks it paid: a note, not a failure.
  const stripeMissing = pay.error?.code === 'stripe_not_configured';
  const error = place.error ?? (stripeMissing ? null : pay.error) ?? markPaid.error ?? cancel.error;
  const checkout = (orderId: string) => pay.mutate(orderId, { onSuccess: (started) => window.location.assign(started.checkoutUrl) });
  const onSale = (plans.data?.items ?? []).filter((p) => p.active);
  const ordering = canOrder(roles);
  const act = (order: Order, action: OrderAction) => {
    if (action === 'pay') checkout(order.id);
    else if (action === 'markPaid') markPaid.mutate(order.id, { onSuccess: () => pay.reset() });
    else if (order.status === 'pending' || window.confirm('Cancel this paid order? It entitles the tenant no more; refunds are made in Stripe.')) cancel.mutate(order.id);
  };
  const ent = entitlement.data;

  return (
    <section className="panel" aria-label="Entitlement and orders">
      <div className="table-toolbar">
        <h2>Entitlement</h2>
        {ent ? <Badge tone={ent.required ? 'info' : 'neutral'}>{ent.required ? 'required' : 'not required'}</Badge> : null}
        {ent?.required ? <Badge tone={ent.within ? 'good' : 'bad'}>{ent.within ? 'within' : 'over'}</Badge> : null}
        {entitlement.isFetching ? <Loading label="" /> : null}
      </div>
      {entitlement.error ? <ErrorPanel error={entitlement.error} onRetry={() => void entitlement.refetch()} /> : null}
      {ent ? (
        <>
          <p className="muted">
            {ent.required
              ? "The platform sells quota: the tenant's projects must fit what its paid orders in force add up to."
              : "The platform does not sell quota: the projects' quotas are not bound by orders."}
          </p>
          <QuotaBars bars={ent.fields.map((f) => ({ key: f.field, ...quotaBar(f) }))} testId="entitlement-field" />
        </>
      ) : null}

      <h3>Plans on sale</h3>
      {plans.error ? <ErrorPanel error={plans.error} onRetry={() => void plans.refetch()} /> : null}
      {plans.data && onSale.length === 0 ? <p className="muted">No plan is on sale.</p> : null}
      {onSale.length > 0 ? (
        <table className="table" aria-label="Plans on sale">
          <thead>
            <tr>
              <th>Plan</th>
              <th>Price</th>
              <th>Quota</th>
              {ordering ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {onSale.map((p) => (
              <tr key={p.id} data-testid="plan-offer" data-name={p.name}>
                <td>
                  {p.displayName} {p.description ? <span className="muted">{p.description}</span> : null}
                </td>
                <td>
                  {p.price} {p.currency} for {p.periodDays} days
                </td>
                <td>{quotaLine(p.quota)}</td>
                {ordering ? (
                  <td>
                    <button type="button" disabled={place.isPending || pay.isPending} onClick={() => place.mutate({ tenantId, planId: p.id }, { onSuccess: (order) => checkout(order.id) })}>
                      Order
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <h3>Orders</h3>
      {stripeMissing ? (
        <p className="notice" role="status" data-testid="stripe-not-configured">
          This server takes no payments through Stripe: the order stays pending. An admin marks this order paid.
        </p>
      ) : null}
      {error ? <ErrorPanel error={error} title="Order failed" /> : null}
      {orders.error ? <ErrorPanel error={orders.error} onRetry={() => void orders.refetch()} /> : null}
      {orders.data && orders.data.items.length === 0 ? <p className="muted">No orders yet.</p> : null}
      {orders.data && orders.data.items.length > 0 ? (
        <table className="table" aria-label="Orders">
          <thead>
            <tr>
              <th>Plan</th>
              <th>Amount</th>
              <th>Status</th>
              <th>Ordered</th>
              <th>Ends</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.data.items.map((o) => (
              <tr key={o.id} data-testid="order-row" data-status={o.status} data-in-force={o.inForce}>
                <td>{o.plan.displayName}</td>
                <td>
                  {o.amount} {o.currency}
                </td>
                <td>
                  <Badge tone={ORDER_TONES[o.status]}>{o.status}</Badge> {o.paidVia ? <span className="muted">via {o.paidVia}</span> : null} {o.inForce ? <Badge tone="good">in force</Badge> : null}
                </td>
                <td>
                  <Time value={o.createdAt} />
                </td>
                <td>
                  <Time value={o.endsAt} />
                </td>
                <td className="row-actions">
                  {orderActions(o.status, roles).map((action) => (
                    <button key={action} type="button" className={action === 'cancel' ? 'link-button' : undefined} onClick={() => act(o, action)}>
                      {ORDER_ACTION_LABELS[action]}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** The plans (admin): a form to add one, and each with Delete. */
function PlansPanel() {
  const plans = useQuery(apiQuery<PlanList>(paths.plans));
  const remove = useApiMutation(deletePlan, changes.plans);
  const [form, freshForm] = useFresh();
  return (
    <section className="panel" aria-label="Plans">
      <div className="table-toolbar">
        <h2>Plans</h2>
        {plans.isFetching ? <Loading label="" /> : null}
      </div>
      {plans.error ? <ErrorPanel error={plans.error} onRetry={() => void plans.refetch()} /> : null}
      {remove.error ? <ErrorPanel error={remove.error} title="Delete failed" /> : null}
      <table className="table" aria-label="Plan list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Display name</th>
            <th>Price</th>
            <th>Period</th>
            <th>Quota</th>
            <th>On sale</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(plans.data?.items ?? []).map((p) => (
            <tr key={p.id} data-testid="plan-row" data-name={p.name}>
              <td>{p.name}</td>
              <td>{p.displayName}</td>
              <td>
                {p.price} {p.currency}
              </td>
              <td>{p.periodDays} days</td>
              <td>{quotaLine(p.quota)}</td>
              <td>{p.active ? <Badge tone="good">on sale</Badge> : <Badge>withdrawn</Badge>}</td>
              <td>
                <button type="button" className="link-button" disabled={remove.isPending} onClick={() => window.confirm(`Delete plan ${p.name}? Its orders keep the terms they were placed at.`) && remove.mutate(p.id)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PlanForm key={form} onDone={freshForm} />
    </section>
  );
}

const PLAN_FIELDS: { key: keyof PlanDraft; label: string; placeholder: string }[] = [
  { key: 'name', label: 'Name', placeholder: 'starter' },
  { key: 'displayName', label: 'Display name', placeholder: 'Starter' },
  { key: 'price', label: 'Price', placeholder: '19.90' },
  { key: 'currency', label: 'Currency', placeholder: 'USD' },
  { key: 'periodDays', label: 'Period (days)', placeholder: '30' },
  { key: 'requestsCpu', label: 'CPU requests', placeholder: '4' },
  { key: 'requestsMemory', label: 'Memory requests', placeholder: '8Gi' },
  { key: 'pods', label: 'Pods', placeholder: '50' },
];

function PlanForm({ onDone }: { onDone: () => void }) {
  const form = useEditForm({ initial: EMPTY_PLAN_DRAFT, check: planTerms, create: createPlan, changed: changes.plans, onDone });
  return (
    <form className="form-grid" onSubmit={form.submit} aria-label="New plan">
      <h2>New plan</h2>
      {PLAN_FIELDS.map((f) => (
        <label key={f.key}>
          {f.label}
          <input value={form.draft[f.key]} onChange={(e) => form.set(f.key, e.target.value)} placeholder={f.placeholder} />
        </label>
      ))}
      <FormFooter problem={form.problem} error={form.error} saving={form.saving} saveLabel="Add plan" onCancel={onDone} />
    </form>
  );
}
