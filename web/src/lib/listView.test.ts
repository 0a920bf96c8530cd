import { describe, expect, it } from 'vitest';
import { decodeListView, defaultView, encodeListView, listQuery, toggleSort } from './listView';

describe('list view in the URL', () => {
  it('decodes what the query says and defaults the rest', () => {
    expect(decodeListView('', 'name')).toEqual(defaultView('name'));
    expect(decodeListView('?namespace=shop&labelSelector=app%3Dweb&q=db&sort=restarts&order=desc', 'name')).toEqual({
      namespace: 'shop',
      labelSelector: 'app=web',
      q: 'db',
      sort: 'restarts',
      order: 'desc',
    });
    expect(decodeListView('order=sideways&namespace=', 'lastSeen')).toEqual(defaultView('lastSeen'));
  });

  it('encodes only what differs from the default, and round-trips', () => {
    expect(encodeListView(defaultView('name'), 'name')).toBe('');
    const view = { namespace: 'kube-system', labelSelector: ' tier in (a,b) ', q: 'web 1', sort: 'age', order: 'desc' as const };
    const encoded = encodeListView(view, 'name');
    expect(encoded).toBe('?namespace=kube-system&labelSelector=tier+in+%28a%2Cb%29&q=web+1&sort=age&order=desc');
    expect(decodeListView(encoded, 'name')).toEqual({ ...view, labelSelector: 'tier in (a,b)' });
    expect(encodeListView({ ...defaultView('lastSeen'), sort: 'name' }, 'lastSeen')).toBe('?sort=name');
  });

  it('flips the order of the sorted column, sorts another ascending', () => {
    const view = defaultView('name');
    expect(toggleSort(view, 'name')).toMatchObject({ sort: 'name', order: 'desc' });
    expect(toggleSort(toggleSort(view, 'name'), 'name')).toMatchObject({ order: 'asc' });
    expect(toggleSort({ ...view, order: 'desc' }, 'age')).toMatchObject({ sort: 'age', order: 'asc' });
  });

  it('sends the server only its filters', () => {
    expect(listQuery({ namespace: null, labelSelector: '' })).toBe('');
    expect(listQuery({ namespace: 'shop', labelSelector: 'app=web' })).toBe('?namespace=shop&labelSelector=app%3Dweb');
  });
});
