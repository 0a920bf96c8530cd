import { describe, expect, it } from 'vitest';
import { removeRow, replaceRow, rowsToObject, stringRowsFromObject, stringRowsToObject } from './keyValue';

describe('key/value rows', () => {
  it('turns an object into rows in its order', () => {
    expect(stringRowsFromObject({ team: 'a', tier: 'gold' })).toEqual([
      { key: 'team', value: 'a' },
      { key: 'tier', value: 'gold' },
    ]);
    expect(stringRowsFromObject(undefined)).toEqual([]);
  });

  it('turns rows into an object, trimming keys and skipping blank rows', () => {
    expect(
      stringRowsToObject([
        { key: ' team ', value: 'a' },
        { key: '', value: '' },
        { key: 'empty', value: '' },
      ]),
    ).toEqual({ value: { team: 'a', empty: '' }, errors: [] });
  });

  it('reports a value without a key and a key given twice', () => {
    const parsed = stringRowsToObject([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
      { key: ' ', value: 'orphan' },
    ]);
    expect(parsed.value).toEqual({ a: '1' });
    expect(parsed.errors).toEqual(['The key "a" is given twice.', 'The value "orphan" has no key.']);
  });

  it('round-trips', () => {
    const object = { 'app.kubernetes.io/name': 'x', b: '' };
    expect(stringRowsToObject(stringRowsFromObject(object)).value).toEqual(object);
  });

  it('parses values with the given parser', () => {
    expect(rowsToObject([{ key: 'n', value: '3' }], Number).value).toEqual({ n: 3 });
  });

  it('replaces and removes rows without touching the input', () => {
    const rows = [1, 2, 3];
    expect(replaceRow(rows, 1, 9)).toEqual([1, 9, 3]);
    expect(removeRow(rows, 0)).toEqual([2, 3]);
    expect(rows).toEqual([1, 2, 3]);
  });
});
