import { describe, expect, it } from 'vitest';
import { FLUX_INPUTS_LIMIT, formatBytes, limitUsage, utf8ByteLength } from './byteSize';

describe('byte size', () => {
  it('is 900 KiB for Flux inputs', () => {
    expect(FLUX_INPUTS_LIMIT).toBe(900 * 1024);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8ByteLength('')).toBe(0);
    expect(utf8ByteLength('{"inputs":[]}')).toBe(13);
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1,023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(FLUX_INPUTS_LIMIT)).toBe('900.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
  });

  it('measures use of the limit', () => {
    expect(limitUsage(0)).toEqual({ fraction: 0, barPercent: 0, level: 'ok' });
    expect(limitUsage(460_800).level).toBe('ok');
    expect(limitUsage(737_280)).toMatchObject({ barPercent: 80, level: 'warn' });
    expect(limitUsage(FLUX_INPUTS_LIMIT)).toMatchObject({ fraction: 1, barPercent: 100, level: 'warn' });
    expect(limitUsage(FLUX_INPUTS_LIMIT + 1)).toMatchObject({ barPercent: 100, level: 'over' });
    expect(limitUsage(150, 100).fraction).toBe(1.5);
  });
});
