import { describe, expect, it } from 'vitest';
import { detectSeverity, severityDecoder, severityOf } from '../../../src/pipeline/decoders/severity';
import { SEVERITY } from '../../../src/pipeline/message';
import { make, message } from '../filters/context';

describe('severityOf', () => {
  it('maps level words in any case, syslog numbers and bunyan numbers', () => {
    expect(
      ['EMERG', 'panic', 'Alert', 'CRITICAL', 'fatal', 'ERROR', 'err', 'Warning', 'WARN', 'notice', 'INFO', 'debug', 'TRACE', ' Info '].map(severityOf),
    ).toEqual([0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 7, 6]);
    expect([0, 7, 10, 20, 30, 40, 50, 60, '3', 8, 99, 1.5, 'loud', '', true].map(severityOf)).toEqual([0, 7, 7, 7, 6, 4, 3, 2, 3, -1, -1, -1, -1, -1, -1]);
  });

  it('answers each word right when words alternate (the last two words looked up are remembered)', () => {
    const words = ['info', 'debug', 'info', 'warn', 'debug', 'debug', 'error', 'info', 'loud', 'info', 'WARN', 'warn', '3', 'info'];
    const expected = [6, 7, 6, 4, 7, 7, 3, 6, -1, 6, 4, 4, 3, 6];
    // Twice, the second time with strings made anew (the same words, other strings).
    expect(words.map(severityOf)).toEqual(expected);
    expect(words.map((w) => severityOf(w.split('').join(''))).filter((s, i) => s !== expected[i])).toEqual([]);
  });
});

describe('severity decoder', () => {
  const cases: [string, number | undefined][] = [
    ['2024-05-01 10:00:00 ERROR could not connect', SEVERITY.err],
    ['[WARN] disk almost full', SEVERITY.warning],
    ['E, [2024-05-01T10:00:00.123 #1] FATAL -- : boom', SEVERITY.crit],
    ['WARNING:root:deprecated call', SEVERITY.warning],
    ['time=2024 level=debug msg=x', SEVERITY.debug],
    ['{"level":"notice","msg":"x"}', SEVERITY.notice],
    ['there was no error at all', undefined],
    ['ERRORS happen', undefined],
    ['INFO: started', SEVERITY.info],
    ['INFORMATIONAL', undefined],
  ];
  for (const [line, expected] of cases) {
    it(`finds ${expected ?? 'nothing'} in ${JSON.stringify(line)}`, () => {
      expect(detectSeverity(line, false, 200)?.severity).toBe(expected);
    });
  }

  it('accepts lower-case words with ignore_case, and stores the word in a field when asked', () => {
    const d = make(severityDecoder, { ignore_case: true, field: 'level' });
    const m = message('[warn] cache miss', 'worker.1');
    d.decode(m);
    expect([m.severity, m.fields]).toEqual([SEVERITY.warning, { level: 'warn' }]);
    const plain = message('[warn] cache miss');
    make(severityDecoder, {}).decode(plain);
    expect([plain.severity, plain.fields]).toEqual([SEVERITY.info, undefined]);
  });

  it('looks only in the first max_offset characters, so a 1 MB line costs little', () => {
    const d = make(severityDecoder, { max_offset: 20 });
    const m = message('x'.repeat(1024 * 1024) + ' ERROR');
    d.decode(m);
    expect(m.severity).toBe(SEVERITY.info);
    const binary = message(Buffer.from([0xff, 0x00, 0x20, 0x45, 0x52, 0x52, 0x4f, 0x52, 0x20]));
    d.decode(binary);
    expect(binary.severity).toBe(SEVERITY.err);
  });
});
