import { describe, expect, it } from 'vitest';
import {
  EMPTY_RUNBOOK_DRAFT,
  EMPTY_RUNBOOK_FILTERS,
  fixesApiPath,
  fixRecord,
  runbookInput,
  runbookRoute,
  runbooksApiPath,
  runbooksViewFromSearch,
  runbooksViewToSearch,
} from './runbooks';

describe('runbook filters in the URL', () => {
  it('reads an empty URL as every runbook, none open', () => {
    const view = runbooksViewFromSearch(new URLSearchParams(''));
    expect(view).toEqual({ filters: EMPTY_RUNBOOK_FILTERS, selected: null });
    expect(runbooksViewToSearch(view).toString()).toBe('');
    expect(runbooksApiPath(view.filters)).toBe('/api/memory/runbooks');
  });

  it('round-trips the filters and the open runbook; an unknown class is dropped', () => {
    const view = runbooksViewFromSearch(new URLSearchParams('class=pod_crash_loop&tag=db&q=postgres%20data&runbook=rb-1'));
    expect(view).toEqual({ filters: { class: 'pod_crash_loop', tag: 'db', q: 'postgres data' }, selected: 'rb-1' });
    expect(runbooksViewToSearch(view).toString()).toBe('class=pod_crash_loop&tag=db&q=postgres+data&runbook=rb-1');
    expect(runbooksApiPath(view.filters)).toBe('/api/memory/runbooks?class=pod_crash_loop&tag=db&q=postgres+data');
    expect(runbooksViewFromSearch(new URLSearchParams('class=no_such_class')).filters.class).toBe('');
  });

  it('links to one runbook and to the fixes of a runbook or a finding', () => {
    expect(runbookRoute('a b')).toBe('/runbooks?runbook=a+b');
    expect(fixesApiPath({ runbookId: 'rb-1' })).toBe('/api/memory/fixes?runbookId=rb-1&limit=20');
    expect(fixesApiPath({ findingId: 'f1' }, 5)).toBe('/api/memory/fixes?findingId=f1&limit=5');
  });
});

describe('the runbook editor', () => {
  it('trims the title and splits, dedupes and checks the tags', () => {
    const result = runbookInput({ title: '  Crash loops  ', body: '- [ ] look', tags: 'db, postgres db\nops', classes: ['pod_crash_loop', 'pod_crash_loop'] });
    expect(result).toEqual({ input: { title: 'Crash loops', body: '- [ ] look', tags: ['db', 'postgres', 'ops'], classes: ['pod_crash_loop'] } });
  });

  it('refuses what the server would refuse, saying why', () => {
    expect(runbookInput(EMPTY_RUNBOOK_DRAFT)).toEqual({ error: 'A runbook needs a title.' });
    expect(runbookInput({ ...EMPTY_RUNBOOK_DRAFT, title: 'x'.repeat(201) })).toEqual({ error: 'The title is longer than 200 characters.' });
    expect(runbookInput({ ...EMPTY_RUNBOOK_DRAFT, title: 't', tags: 'Upper' })).toEqual({ error: 'Tag "Upper" is not 1 to 63 lowercase letters, digits and -.' });
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`).join(' ');
    expect(runbookInput({ ...EMPTY_RUNBOOK_DRAFT, title: 't', tags: many })).toEqual({ error: 'At most 20 tags.' });
    expect(runbookInput({ ...EMPTY_RUNBOOK_DRAFT, title: 't', body: 'é'.repeat(32 * 1024 + 1) })).toEqual({ error: 'The body is larger than 64 KiB.' });
  });

  it('says how past fixes went', () => {
    expect(fixRecord({ successes: 0, failures: 0 })).toBe('not used yet');
    expect(fixRecord({ successes: 1, failures: 0 })).toBe('1 of 1 fix worked');
    expect(fixRecord({ successes: 3, failures: 1 })).toBe('3 of 4 fixes worked');
  });
});
