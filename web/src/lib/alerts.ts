// The Alerts pages' pure parts: routes, filters in the URL, the channel and rule forms' checks,
// the lifecycle board's columns and how a delivery's attempts read.
import { paths } from '../api/endpoints';
import type {
  AlertState,
  AlertView,
  AttemptView,
  ChannelInput,
  ChannelKind,
  ChannelView,
  FindingSeverity,
  RuleInput,
  RuleView,
  SloAlertStatus,
  SmtpSecurity,
} from '../api/types';
import { filtersQuery } from './signals';
import type { Checked } from './forms';

export const ALERTS_ROUTE = '/alerts';
export const ALERT_LIFECYCLE_ROUTE = '/alerts/lifecycle';
/** Alerts are evaluated every 30 s by default: the board asks as often. */
export const ALERTS_REFRESH_MS = 15_000;
/** The most the lifecycle and delivery routes answer. */
export const ALERTS_LIMIT = 500;

export const CHANNEL_KINDS = ['webhook', 'slack', 'pagerduty', 'alertmanager', 'telegram', 'email'] as const satisfies readonly ChannelKind[];
export const SMTP_SECURITIES = ['starttls', 'require_starttls', 'tls'] as const satisfies readonly SmtpSecurity[];
export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const satisfies readonly AlertState[];
export const SLO_ALERT_STATUSES = ['page', 'ticket'] as const satisfies readonly SloAlertStatus[];

const withQuery = (path: string, filters: object) => {
  const q = filtersQuery(filters);
  return q ? `${path}?${q}` : path;
};

// ---- The delivery log's filters (`?alert=&channel=` on /alerts).

export interface DeliveryFilters {
  alert: string;
  channel: string;
}

export const EMPTY_DELIVERY_FILTERS: DeliveryFilters = { alert: '', channel: '' };

export function deliveryFiltersFromSearch(search: URLSearchParams): DeliveryFilters {
  return { alert: (search.get('alert') ?? '').trim(), channel: (search.get('channel') ?? '').trim() };
}

export const deliveriesApiPath = (filters: DeliveryFilters, limit = 100) => withQuery(paths.alertDeliveries, { ...filters, limit });

// ---- The lifecycle board's filters (`?cluster=&rule=` on /alerts/lifecycle).

export interface LifecycleFilters {
  cluster: string;
  rule: string;
}

export const EMPTY_LIFECYCLE_FILTERS: LifecycleFilters = { cluster: '', rule: '' };

export function lifecycleFiltersFromSearch(search: URLSearchParams): LifecycleFilters {
  return { cluster: (search.get('cluster') ?? '').trim(), rule: (search.get('rule') ?? '').trim() };
}

export const lifecycleApiPath = (filters: LifecycleFilters, limit = ALERTS_LIMIT) => withQuery(paths.alertLifecycle, { ...filters, limit });

/** The board's columns, each newest first (the API's order kept). */
export function boardColumns(alerts: readonly AlertView[]): Record<AlertState, AlertView[]> {
  const columns: Record<AlertState, AlertView[]> = { firing: [], acknowledged: [], resolved: [] };
  for (const a of alerts) columns[a.state]?.push(a);
  return columns;
}

/** What an operator may do to an alert in `state`: firing → acknowledged → resolved, or firing → resolved. */
export function alertActions(state: AlertState): ('acknowledge' | 'resolve')[] {
  if (state === 'firing') return ['acknowledge', 'resolve'];
  if (state === 'acknowledged') return ['resolve'];
  return [];
}

// ---- Deliveries and tests.

/** One line about a delivery: "delivered (1 attempt)", "failed after 5 attempts: connect_failed — …". */
export function deliverySummary(result: { delivered: boolean; attempts: readonly AttemptView[] }): string {
  const n = result.attempts.length;
  const tries = `${n} attempt${n === 1 ? '' : 's'}`;
  if (result.delivered) return `delivered (${tries})`;
  const last = result.attempts[n - 1];
  const why = last ? [last.errorCode, last.message].filter(Boolean).join(' — ') : '';
  return `failed after ${tries}${why ? `: ${why}` : ''}`;
}

// ---- Channels: non-secret settings in the form, the one secret of the kind write-only.

type SecretField = 'webhookUrl' | 'routingKey' | 'secret' | 'botToken' | 'password';

interface SecretSpec {
  field: SecretField;
  label: string;
  required: boolean;
  configured: (c: ChannelView) => boolean;
}

/** The write-only secret each kind takes (alertmanager has none). */
export const CHANNEL_SECRETS: Record<ChannelKind, SecretSpec | null> = {
  alertmanager: null,
  slack: { field: 'webhookUrl', label: 'Webhook URL', required: true, configured: (c) => c.webhookUrlConfigured },
  pagerduty: { field: 'routingKey', label: 'Routing key', required: true, configured: (c) => c.routingKeyConfigured },
  webhook: { field: 'secret', label: 'Signing secret', required: false, configured: (c) => c.secretConfigured },
  telegram: { field: 'botToken', label: 'Bot token', required: true, configured: (c) => c.botTokenConfigured },
  email: { field: 'password', label: 'SMTP password', required: false, configured: (c) => c.passwordConfigured },
};

/** Which settings a kind's form shows, and whether `url` is required. */
export const CHANNEL_FIELDS: Record<ChannelKind, { url: 'required' | 'optional' | null; telegram?: true; email?: true }> = {
  alertmanager: { url: 'required' },
  slack: { url: null },
  pagerduty: { url: 'optional' },
  webhook: { url: 'required' },
  telegram: { url: 'optional', telegram: true },
  email: { url: null, email: true },
};

export interface ChannelDraft {
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  url: string;
  chatId: string;
  host: string;
  port: string;
  from: string;
  /** Comma or space separated recipients. */
  to: string;
  security: SmtpSecurity;
  username: string;
  /** The kind's secret as typed; empty keeps the stored one (editing) or sends none (new). */
  secret: string;
  /** Editing: clear the stored secret (sent as ""). */
  clearSecret: boolean;
}

export const EMPTY_CHANNEL_DRAFT: ChannelDraft = {
  name: '',
  kind: 'webhook',
  enabled: true,
  url: '',
  chatId: '',
  host: '',
  port: '',
  from: '',
  to: '',
  security: 'starttls',
  username: '',
  secret: '',
  clearSecret: false,
};

/** A stored channel in the form: its settings, never its secret (reads have none). */
export function channelDraftOf(c: ChannelView): ChannelDraft {
  const s = c.settings;
  return {
    ...EMPTY_CHANNEL_DRAFT,
    name: c.name,
    kind: c.kind,
    enabled: c.enabled,
    url: s.url ?? '',
    chatId: s.chatId ?? '',
    host: s.host ?? '',
    port: s.port == null ? '' : String(s.port),
    from: s.from ?? '',
    to: (s.to ?? []).join(', '),
    security: s.security ?? 'starttls',
    username: s.username ?? '',
  };
}

const splitList = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * The body of POST (no `existing`) or PUT (`existing`, the stored channel) for `draft`, or what
 * is missing. On PUT an empty secret is left out so the stored one stays.
 */
export function channelInput(draft: ChannelDraft, existing?: ChannelView): Checked<ChannelInput> {
  const name = draft.name.trim();
  if (!name || name.length > 100) return { error: 'A channel needs a name of 1 to 100 characters.' };
  const fields = CHANNEL_FIELDS[draft.kind];
  const settings: ChannelInput['settings'] = {};
  const url = draft.url.trim();
  if (fields.url === 'required' && !url) return { error: 'This kind of channel needs a URL.' };
  if (fields.url && url) settings.url = url;
  if (fields.telegram) {
    if (!draft.chatId.trim()) return { error: 'A Telegram channel needs a chat id.' };
    settings.chatId = draft.chatId.trim();
  }
  if (fields.email) {
    const to = splitList(draft.to);
    if (!draft.host.trim() || !draft.from.trim() || to.length === 0) return { error: 'An email channel needs a server, a sender and at least one recipient.' };
    const port = draft.port.trim();
    if (port && !/^\d{1,5}$/.test(port)) return { error: 'The SMTP port is a number.' };
    Object.assign(settings, { host: draft.host.trim(), from: draft.from.trim(), to, security: draft.security });
    if (port) settings.port = Number(port);
    if (draft.username.trim()) settings.username = draft.username.trim();
  }
  const input: ChannelInput = { name, kind: draft.kind, enabled: draft.enabled, settings };
  const spec = CHANNEL_SECRETS[draft.kind];
  if (spec) {
    const secret = draft.secret.trim();
    const stored = existing ? spec.configured(existing) : false;
    if (secret) input[spec.field] = secret;
    else if (existing && draft.clearSecret) {
      if (spec.required) return { error: `${spec.label} is required: enter a new one instead of clearing it.` };
      input[spec.field] = '';
    } else if (spec.required && !stored) return { error: `${spec.label} is required.` };
  }
  return { input };
}

// ---- Rules.

export interface RuleDraft {
  name: string;
  type: 'finding' | 'slo';
  minSeverity: FindingSeverity | '';
  /** Comma separated finding classes. */
  classes: string;
  clusters: string;
  namespaces: string;
  statuses: SloAlertStatus[];
  channelIds: string[];
  repeatInterval: string;
  enabled: boolean;
}

export const EMPTY_RULE_DRAFT: RuleDraft = {
  name: '',
  type: 'finding',
  minSeverity: '',
  classes: '',
  clusters: '',
  namespaces: '',
  statuses: ['page'],
  channelIds: [],
  repeatInterval: '4h',
  enabled: true,
};

export function ruleDraftOf(rule: RuleView): RuleDraft {
  const s = rule.source;
  return {
    name: rule.name,
    type: s.type,
    minSeverity: s.type === 'finding' ? (s.minSeverity ?? '') : '',
    classes: s.type === 'finding' ? (s.classes ?? []).join(', ') : '',
    clusters: (s.clusters ?? []).join(', '),
    namespaces: (s.namespaces ?? []).join(', '),
    statuses: s.type === 'slo' ? [...(s.statuses ?? ['page'])] : ['page'],
    channelIds: [...rule.channelIds],
    repeatInterval: rule.repeatInterval,
    enabled: rule.enabled,
  };
}

/** `30m`, `4h`, `1d`…: what the server parses (it checks the 1m–30d range). */
const INTERVAL = /^\d+[smhd]$/;

export function ruleInput(draft: RuleDraft): Checked<RuleInput> {
  const name = draft.name.trim();
  if (!name || name.length > 100) return { error: 'A rule needs a name of 1 to 100 characters.' };
  if (draft.channelIds.length === 0) return { error: 'A rule notifies at least one channel.' };
  const repeatInterval = draft.repeatInterval.trim();
  if (repeatInterval && !INTERVAL.test(repeatInterval)) return { error: 'The repeat interval is a number and a unit: 30m, 4h, 1d.' };
  const scope = { clusters: splitList(draft.clusters), namespaces: splitList(draft.namespaces) };
  let source: RuleInput['source'];
  if (draft.type === 'slo') {
    if (draft.statuses.length === 0) return { error: 'An SLO rule fires on page, ticket or both.' };
    source = { type: 'slo', statuses: draft.statuses, ...scope };
  } else {
    source = { type: 'finding', classes: splitList(draft.classes), ...scope, ...(draft.minSeverity ? { minSeverity: draft.minSeverity } : {}) };
  }
  return { input: { name, channelIds: draft.channelIds, enabled: draft.enabled, source, ...(repeatInterval ? { repeatInterval } : {}) } };
}

/** "findings ≥ warning: pod_crash_loop in prod-eu", "SLO page, ticket". */
export function ruleSourceLabel(rule: Pick<RuleView, 'source'>): string {
  const s = rule.source;
  const scope = [s.clusters?.length ? `in ${s.clusters.join(', ')}` : '', s.namespaces?.length ? `ns ${s.namespaces.join(', ')}` : ''].filter(Boolean).join(' ');
  const what =
    s.type === 'slo'
      ? `SLO ${(s.statuses ?? ['page']).join(', ')}`
      : `findings${s.minSeverity ? ` ≥ ${s.minSeverity}` : ''}${s.classes?.length ? `: ${s.classes.join(', ')}` : ''}`;
  return scope ? `${what} ${scope}` : what;
}
