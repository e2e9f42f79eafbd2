import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/config/units';

describe('groupDigits', () => {
  it('writes counts as toLocaleString("en-US") does, without ICU', () => {
    for (const n of [0, 7, 999, 1000, 10_000, 12_345, 999_999, 1_000_000, 1_234_567_890, -1234]) {
      expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
