import { describe, expect, it } from 'vitest';
import {
  AUDIT_PAGE_SIZE,
  auditApiQuery,
  auditViewFromSearch,
  auditViewToSearch,
  EMPTY_AUDIT_FILTERS,
  filtersFromForm,
  filtersToForm,
  hasNextPage,
  hasPrevPage,
  pageLabel,
  withOffset,
} from './auditQuery';

describe('audit query', () => {
  it('reads an empty URL as no filters, first page, default limit', () => {
    const view = auditViewFromSearch(new URLSearchParams(''));
    expect(view).toEqual({ filters: EMPTY_AUDIT_FILTERS, offset: 0, limit: AUDIT_PAGE_SIZE });
    expect(auditApiQuery(view)).toBe('limit=50&offset=0');
    expect(auditViewToSearch(view).toString()).toBe('');
  });

  it('maps requestId to request_id and keeps only set filters', () => {
    const view = auditViewFromSearch(
      new URLSearchParams('actor=alice&verb=login&outcome=denied&request_id=req-1&name=&offset=100'),
    );
    expect(view.filters).toMatchObject({ actor: 'alice', verb: 'login', outcome: 'denied', requestId: 'req-1', name: '' });
    expect(view.offset).toBe(100);
    expect(auditApiQuery(view)).toBe('actor=alice&verb=login&outcome=denied&request_id=req-1&limit=50&offset=100');
    expect(auditViewToSearch(view).toString()).toBe('actor=alice&verb=login&outcome=denied&request_id=req-1&offset=100');
  });

  it('round-trips a view through the URL', () => {
    const search = 'actor=bob&cluster=prod-eu&namespace=kube-system&from=2025-01-01T00%3A00%3A00Z&limit=20&offset=40';
    const view = auditViewFromSearch(new URLSearchParams(search));
    expect(auditViewToSearch(view).toString()).toBe(search);
  });

  it('encodes special characters', () => {
    const view = { filters: { ...EMPTY_AUDIT_FILTERS, actor: 'a&b c', name: 'x=y' }, offset: 0, limit: 50 };
    const params = new URLSearchParams(auditApiQuery(view));
    expect(params.get('actor')).toBe('a&b c');
    expect(params.get('name')).toBe('x=y');
  });

  it('ignores bad outcome, offset and limit values', () => {
    const view = auditViewFromSearch(new URLSearchParams('outcome=maybe&offset=-5&limit=abc'));
    expect(view.filters.outcome).toBe('');
    expect(view.offset).toBe(0);
    expect(view.limit).toBe(AUDIT_PAGE_SIZE);
    expect(auditViewFromSearch(new URLSearchParams('limit=100000')).limit).toBe(500);
    expect(auditViewFromSearch(new URLSearchParams('limit=0')).limit).toBe(1);
  });

  it('converts form datetime-local values to RFC 3339 UTC and back', () => {
    const local = '2025-03-04T05:06';
    const expected = new Date(2025, 2, 4, 5, 6).toISOString().replace('.000Z', 'Z');
    const filters = filtersFromForm({ ...EMPTY_AUDIT_FILTERS, from: local, to: '', actor: '  alice ' });
    expect(filters.from).toBe(expected);
    expect(filters.to).toBe('');
    expect(filters.actor).toBe('alice');
    expect(filtersToForm(filters).from).toBe(local);
  });

  it('pages', () => {
    const view = { filters: EMPTY_AUDIT_FILTERS, offset: 0, limit: 50 };
    expect(hasPrevPage(view)).toBe(false);
    expect(hasNextPage(view, 120)).toBe(true);
    expect(hasNextPage(withOffset(view, 100), 120)).toBe(false);
    expect(withOffset(view, -50).offset).toBe(0);
    expect(pageLabel(0, 50, 120)).toBe('1–50 of 120');
    expect(pageLabel(100, 20, 120)).toBe('101–120 of 120');
    expect(pageLabel(0, 0, 0)).toBe('0 of 0');
  });
});
