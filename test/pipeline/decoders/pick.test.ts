import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../src/pipeline/decoders/pick';

describe('parseTime', () => {
  it('reads ISO 8601 with Z or an offset, fractions of any length, T or a space', () => {
    for (const s of [
      '2024-05-01T10:00:00Z',
      '2024-05-01T10:00:00.123Z',
      '2024-05-01T10:00:00.1Z',
      '2024-12-31T23:59:59.999Z',
      '2024-05-01T10:00:00-07:30',
      '2024-05-01T10:00:00.5+02:00',
    ]) {
      expect(parseTime(s), s).toBe(Date.parse(s));
    }
    expect(parseTime('2024-05-01 10:00:00.123456789Z')).toBe(Date.parse('2024-05-01T10:00:00.123Z'));
    expect(parseTime('2024-05-01T10:01:00Z')! - parseTime('2024-05-01T10:00:59Z')!).toBe(1000); // across the minute cache
  });

  it('reads epochs by magnitude, common log format, and what Date.parse reads', () => {
    expect([1700000000, 1700000000123, 1700000000123456, 1700000000123456789, '1700000000.5'].map(parseTime)).toEqual([
      1700000000000, 1700000000123, 1700000000123, 1700000000123, 1700000000500,
    ]);
    expect(parseTime('10/Oct/2000:13:55:36 -0700')).toBe(Date.parse('2000-10-10T20:55:36Z'));
    expect(parseTime('Wed, 01 May 2024 10:00:00 GMT')).toBe(Date.parse('2024-05-01T10:00:00Z'));
  });

  it('says undefined for what is not a time', () => {
    expect(['', 'soon', '2024-13-01T00:00:00Z', 'x'.repeat(100), -5, 0, true, NaN].map((v) => parseTime(v as never))).toEqual(Array(8).fill(undefined));
  });
});
