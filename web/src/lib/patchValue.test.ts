import { describe, expect, it } from 'vitest';
import { formatPatchValue, parsePatchValue, patchRowsFromObject, patchRowsToObject, patchValueType } from './patchValue';

describe('patch values', () => {
  it('parses JSON text as JSON', () => {
    expect(parsePatchValue('3')).toBe(3);
    expect(parsePatchValue('-1.5')).toBe(-1.5);
    expect(parsePatchValue('true')).toBe(true);
    expect(parsePatchValue('null')).toBeNull();
    expect(parsePatchValue('"quoted"')).toBe('quoted');
    expect(parsePatchValue('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parsePatchValue(' [ ] ')).toEqual([]);
  });

  it('falls back to the text as a string', () => {
    expect(parsePatchValue('nginx:1.27')).toBe('nginx:1.27');
    expect(parsePatchValue('hello world')).toBe('hello world');
    expect(parsePatchValue('{not json')).toBe('{not json');
    expect(parsePatchValue('')).toBe('');
    expect(parsePatchValue('True')).toBe('True');
  });

  it('formats values so that they parse back to themselves', () => {
    const values: unknown[] = ['plain', '3', 'true', 'null', '"q"', ' 42 ', '', 3, false, null, { a: { b: [1, 'x'] } }, [1, 2]];
    for (const value of values) expect(parsePatchValue(formatPatchValue(value))).toEqual(value);
    expect(formatPatchValue('plain')).toBe('plain');
    expect(formatPatchValue('3')).toBe('"3"');
    expect(formatPatchValue(3)).toBe('3');
    expect(formatPatchValue({ a: 1 })).toBe('{"a":1}');
  });

  it('names the type a text stands for', () => {
    expect(patchValueType('3')).toBe('number');
    expect(patchValueType('x')).toBe('string');
    expect(patchValueType('"3"')).toBe('string');
    expect(patchValueType('null')).toBe('null');
    expect(patchValueType('[1]')).toBe('array');
    expect(patchValueType('{}')).toBe('object');
    expect(patchValueType('false')).toBe('boolean');
  });

  it('converts patch rows and objects', () => {
    const patches = { replicaCount: 3, image: 'nginx', resources: { limits: { cpu: '1' } } };
    const rows = patchRowsFromObject(patches);
    expect(rows).toEqual([
      { key: 'replicaCount', value: '3' },
      { key: 'image', value: 'nginx' },
      { key: 'resources', value: '{"limits":{"cpu":"1"}}' },
    ]);
    expect(patchRowsToObject(rows)).toEqual({ value: patches, errors: [] });
  });
});
