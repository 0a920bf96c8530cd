import { describe, expect, it } from 'vitest';
import type { AlertView, ChannelView, RuleView } from '../api/types';
import {
  alertActions,
  boardColumns,
  channelDraftOf,
  channelInput,
  deliveriesApiPath,
  deliveryFiltersFromSearch,
  deliverySummary,
  EMPTY_CHANNEL_DRAFT,
  EMPTY_RULE_DRAFT,
  lifecycleApiPath,
  lifecycleFiltersFromSearch,
  ruleDraftOf,
  ruleInput,
  ruleSourceLabel,
} from './alerts';

const channel = (over: Partial<ChannelView> = {}): ChannelView => ({
  id: 'c1',
  name: 'hooks',
  kind: 'webhook',
  enabled: true,
  settings: { url: 'https://example.com/hook' },
  createdAt: '2026-12-06T10:00:00Z',
  updatedAt: '2026-12-06T10:00:00Z',
  webhookUrlConfigured: false,
  routingKeyConfigured: false,
  secretConfigured: true,
  botTokenConfigured: false,
  passwordConfigured: false,
  ...over,
});

const alert = (id: string, state: AlertView['state']): AlertView => ({
  id,
  state,
  title: id,
  summary: '',
  severity: 'warning',
  cluster: 'shop',
  namespace: 'shop',
  labels: {},
  channelIds: [],
  startedAt: '2026-12-06T10:00:00Z',
});

describe('alerts', () => {
  it('keeps the delivery and lifecycle filters in the URL and the API path', () => {
    const f = deliveryFiltersFromSearch(new URLSearchParams('alert=a1&channel=&x=1'));
    expect(f).toEqual({ alert: 'a1', channel: '' });
    expect(deliveriesApiPath(f)).toBe('/api/alerts/deliveries?alert=a1&limit=100');
    expect(lifecycleApiPath(lifecycleFiltersFromSearch(new URLSearchParams('cluster=shop')))).toBe('/api/alerts/lifecycle?cluster=shop&limit=500');
  });

  it('groups alerts into the board columns, keeping their order, and knows the moves', () => {
    const cols = boardColumns([alert('a', 'firing'), alert('b', 'resolved'), alert('c', 'firing'), alert('d', 'acknowledged')]);
    expect(cols.firing.map((a) => a.id)).toEqual(['a', 'c']);
    expect(cols.acknowledged.map((a) => a.id)).toEqual(['d']);
    expect(cols.resolved.map((a) => a.id)).toEqual(['b']);
    expect(alertActions('firing')).toEqual(['acknowledge', 'resolve']);
    expect(alertActions('acknowledged')).toEqual(['resolve']);
    expect(alertActions('resolved')).toEqual([]);
  });

  it('summarizes a delivery by its attempts', () => {
    const attempt = { number: 1, startedAt: '', durationMs: 3, status: 200 };
    expect(deliverySummary({ delivered: true, attempts: [attempt] })).toBe('delivered (1 attempt)');
    expect(
      deliverySummary({ delivered: false, attempts: [attempt, { ...attempt, number: 2, errorCode: 'connect_failed', message: 'refused' }] }),
    ).toBe('failed after 2 attempts: connect_failed — refused');
  });

  it('builds a new channel with its secret, and checks what each kind needs', () => {
    expect(channelInput({ ...EMPTY_CHANNEL_DRAFT, name: 'hooks', url: ' https://h/x ', secret: 's3' })).toEqual({
      input: { name: 'hooks', kind: 'webhook', enabled: true, settings: { url: 'https://h/x' }, secret: 's3' },
    });
    expect(channelInput({ ...EMPTY_CHANNEL_DRAFT, name: 'hooks' })).toEqual({ error: 'This kind of channel needs a URL.' });
    expect(channelInput({ ...EMPTY_CHANNEL_DRAFT, name: 'pd', kind: 'pagerduty' })).toEqual({ error: 'Routing key is required.' });
    expect(channelInput({ ...EMPTY_CHANNEL_DRAFT, name: 'm', kind: 'email', host: 'smtp', from: 'a@b', to: 'x@y, z@w', port: '25' })).toEqual({
      input: { name: 'm', kind: 'email', enabled: true, settings: { host: 'smtp', from: 'a@b', to: ['x@y', 'z@w'], security: 'starttls', port: 25 } },
    });
  });

  it('edits a channel without its secret: left out keeps it, cleared sends ""', () => {
    const stored = channel();
    const draft = channelDraftOf(stored);
    expect(draft.secret).toBe('');
    expect(channelInput(draft, stored)).toEqual({ input: { name: 'hooks', kind: 'webhook', enabled: true, settings: { url: 'https://example.com/hook' } } });
    expect(channelInput({ ...draft, clearSecret: true }, stored)).toEqual({
      input: { name: 'hooks', kind: 'webhook', enabled: true, settings: { url: 'https://example.com/hook' }, secret: '' },
    });
    // A required secret already stored need not be typed again, and cannot be cleared.
    const slack = channel({ kind: 'slack', settings: {}, webhookUrlConfigured: true });
    expect(channelInput(channelDraftOf(slack), slack)).toEqual({ input: { name: 'hooks', kind: 'slack', enabled: true, settings: {} } });
    expect('error' in channelInput({ ...channelDraftOf(slack), clearSecret: true }, slack)).toBe(true);
  });

  it('builds rules from the form and back', () => {
    expect(ruleInput({ ...EMPTY_RULE_DRAFT, name: 'r' })).toEqual({ error: 'A rule notifies at least one channel.' });
    expect(ruleInput({ ...EMPTY_RULE_DRAFT, name: 'r', channelIds: ['c1'], repeatInterval: 'soon' })).toEqual({
      error: 'The repeat interval is a number and a unit: 30m, 4h, 1d.',
    });
    const finding = ruleInput({ ...EMPTY_RULE_DRAFT, name: ' crash ', channelIds: ['c1'], classes: 'pod_crash_loop', clusters: 'shop', minSeverity: 'warning' });
    expect(finding).toEqual({
      input: {
        name: 'crash',
        channelIds: ['c1'],
        enabled: true,
        repeatInterval: '4h',
        source: { type: 'finding', classes: ['pod_crash_loop'], clusters: ['shop'], namespaces: [], minSeverity: 'warning' },
      },
    });
    const slo = ruleInput({ ...EMPTY_RULE_DRAFT, name: 'slo', type: 'slo', channelIds: ['c1'], statuses: ['page', 'ticket'] });
    expect('input' in slo && slo.input.source).toEqual({ type: 'slo', statuses: ['page', 'ticket'], clusters: [], namespaces: [] });
    expect(ruleInput({ ...EMPTY_RULE_DRAFT, name: 'slo', type: 'slo', channelIds: ['c1'], statuses: [] })).toEqual({ error: 'An SLO rule fires on page, ticket or both.' });

    const view: RuleView = {
      id: 'r1',
      name: 'crash',
      channelIds: ['c1'],
      enabled: false,
      repeatInterval: '1h',
      repeatIntervalSeconds: 3600,
      createdAt: '',
      updatedAt: '',
      source: { type: 'finding', classes: ['pod_crash_loop'], clusters: ['shop'], minSeverity: 'critical' },
    };
    expect(ruleDraftOf(view)).toMatchObject({ type: 'finding', classes: 'pod_crash_loop', clusters: 'shop', namespaces: '', minSeverity: 'critical', enabled: false });
    expect(ruleSourceLabel(view)).toBe('findings ≥ critical: pod_crash_loop in shop');
    expect(ruleSourceLabel({ source: { type: 'slo' } })).toBe('SLO page');
  });
});
