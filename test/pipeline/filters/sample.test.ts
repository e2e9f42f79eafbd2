import { describe, expect, it } from 'vitest';
import { sampleFilter } from '../../../src/pipeline/filters/sample';
import { make, message, problemsOf, recorder, run } from './context';

describe('sample filter', () => {
  it('passes the 1st, 4th, 7th... message: deterministic', () => {
    const ctx = recorder();
    const out = run(
      [make(sampleFilter, { rate: 3 }, ctx)],
      Array.from({ length: 10 }, (_, i) => message(`line ${i}`)),
      ctx.sent,
    );
    expect(out.map((m) => m.payload)).toEqual(['line 0', 'line 3', 'line 6', 'line 9']);
  });

  it('counts per key when given one', () => {
    const ctx = recorder();
    const input = ['web.1', 'web.1', 'worker.1', 'web.1', 'worker.1', 'web.1'].map((l, i) => message(`${i}`, l));
    const out = run([make(sampleFilter, { rate: 2, key: 'Logger' }, ctx)], input, ctx.sent);
    expect(out.map((m) => `${m.logger}:${m.payload}`)).toEqual(['web.1:0', 'worker.1:2', 'web.1:3']);
  });

  it('passes everything at rate 1 and rejects bad options', () => {
    const f = make(sampleFilter, { rate: 1 });
    expect([1, 2, 3].map((i) => f.process(message(`${i}`)) !== undefined)).toEqual([true, true, true]);
    expect(problemsOf(sampleFilter, { rate: 0 })).toEqual(['option "rate" must be an integer >= 1, got number 0']);
    expect(problemsOf(sampleFilter, { rate: 2, key: 'Whatever' })).toEqual([
      'option "key" must be one of Logger, Type, Stream, Severity, Payload, Hostname, Pid or Fields[name], got string "Whatever"',
    ]);
  });
});

describe('sample and drover lines', () => {
  it("passes drover's own lines without counting them", () => {
    const f = make(sampleFilter, { rate: 2 });
    const own = message('Process started with pid 7');
    own.type = 'drover';
    expect([f.process(message('1')), f.process(own), f.process(message('2')), f.process(message('3'))].map((m) => m?.payload)).toEqual([
      '1',
      'Process started with pid 7',
      undefined,
      '3',
    ]);
  });
});
