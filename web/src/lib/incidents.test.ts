import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INCIDENT_FILTERS,
  formatOffset,
  incidentEvidencePath,
  incidentFiltersFromSearch,
  incidentFiltersToSearch,
  incidentRoute,
  incidentsApiPath,
  postmortemDraft,
  postmortemInput,
  stepProgress,
} from './incidents';
import { rfc3339ToDatetimeLocal } from './time';

describe('incident filters in the URL', () => {
  it('reads an empty URL as the open incidents', () => {
    const filters = incidentFiltersFromSearch(new URLSearchParams(''));
    expect(filters).toEqual(DEFAULT_INCIDENT_FILTERS);
    expect(incidentFiltersToSearch(filters).toString()).toBe('');
    expect(incidentsApiPath(filters)).toBe('/api/incidents?state=open&limit=100');
  });

  it('round-trips every state (all included), severity and cluster', () => {
    const all = incidentFiltersFromSearch(new URLSearchParams('state=all&severity=critical&cluster=prod'));
    expect(all).toEqual({ state: '', severity: 'critical', cluster: 'prod' });
    expect(incidentFiltersToSearch(all).toString()).toBe('state=all&severity=critical&cluster=prod');
    expect(incidentsApiPath(all, 50, 'tok')).toBe('/api/incidents?severity=critical&cluster=prod&limit=50&continue=tok');
    const resolved = incidentFiltersFromSearch(new URLSearchParams('state=resolved&severity=bogus'));
    expect(resolved).toEqual({ state: 'resolved', severity: '', cluster: '' });
  });

  it('names the workbench and the evidence downloads', () => {
    expect(incidentRoute('a/b')).toBe('/incidents/a%2Fb');
    expect(incidentEvidencePath('i1', 'markdown')).toBe('/api/incidents/i1/evidence?format=markdown');
  });
});

describe('the workbench', () => {
  it('counts handled steps', () => {
    expect(stepProgress([])).toBe('0 of 0 done');
    expect(stepProgress([{ state: 'done' }, { state: 'skipped' }, { state: 'pending' }])).toBe('2 of 3 done');
  });

  it('prints offsets from the start, before it negative', () => {
    expect(formatOffset(0)).toBe('+0s');
    expect(formatOffset(12_400)).toBe('+12s');
    expect(formatOffset(-185_000)).toBe('-3m 05s');
    expect(formatOffset(3_720_000)).toBe('+1h 02m');
  });
});

describe('the postmortem editor', () => {
  const incident = { startedAt: '2026-12-06T10:00:00Z', resolvedAt: '2026-12-06T11:30:00Z' };

  it('starts from the incident: impact from its start to its resolution', () => {
    const draft = postmortemDraft(null, incident);
    expect(draft).toEqual({
      summary: '',
      impactStart: rfc3339ToDatetimeLocal('2026-12-06T10:00:00Z'),
      impactEnd: rfc3339ToDatetimeLocal('2026-12-06T11:30:00Z'),
      rootCause: '',
      actions: [],
      remediationIds: '',
    });
  });

  it('round-trips what was written', () => {
    const written = {
      summary: 'DB down',
      impactStart: '2026-12-06T10:00:00Z',
      impactEnd: '2026-12-06T10:45:00Z',
      rootCause: 'disk full',
      actions: [{ title: 'Alert on disk', owner: 'sre', done: false }],
      remediationIds: ['r1', 'r2'],
    };
    const draft = postmortemDraft(written, incident);
    expect(draft.remediationIds).toBe('r1, r2');
    expect(postmortemInput(draft)).toEqual({ input: written });
  });

  it('refuses what the server would refuse, saying why', () => {
    const draft = postmortemDraft(null, incident);
    expect(postmortemInput(draft)).toEqual({ error: 'A postmortem needs a summary.' });
    expect(postmortemInput({ ...draft, summary: 's', impactEnd: '' })).toEqual({ error: 'Give the impact window: its start and end.' });
    expect(postmortemInput({ ...draft, summary: 's', impactStart: draft.impactEnd, impactEnd: draft.impactStart })).toEqual({ error: 'The impact ends before it starts.' });
    expect(postmortemInput({ ...draft, summary: 's', actions: [{ title: ' ', done: false }] })).toEqual({ error: 'Every action needs a title.' });
  });
});
