import { describe, expect, it } from 'vitest';
import { jsonDecoder } from '../../../src/pipeline/decoders/json';
import { SEVERITY } from '../../../src/pipeline/message';
import { childLines, make, message, problemsOf } from '../filters/context';

const decoder = (options: Record<string, unknown> = {}) => make(jsonDecoder, options);

describe('json decoder', () => {
  it('flattens nested objects into dotted fields and picks level, message and time', () => {
    const m = message('{"level":"warn","msg":"disk low","time":"2024-05-01T10:00:00.5Z","disk":{"free":12,"mount":{"path":"/"}},"ok":false}');
    decoder().decode(m);
    expect(m.fields).toEqual({ level: 'warn', time: '2024-05-01T10:00:00.5Z', 'disk.free': 12, 'disk.mount.path': '/', ok: false });
    expect(m.severity).toBe(SEVERITY.warning);
    expect(m.payload).toBe('disk low');
    expect(m.rewritten).toBe(true);
    expect(m.timestamp).toBe(Date.parse('2024-05-01T10:00:00.5Z'));
  });

  it('keeps a __proto__ key as a field of that name, and never changes the prototype', () => {
    for (const [line, fields] of [
      ['{"level":"info","__proto__":"v","b":2}', { level: 'info', ['__proto__']: 'v', b: 2 }],
      ['{"\\u005f_proto__":"escaped","n":1}', { ['__proto__']: 'escaped', n: 1 }],
      ['{"__proto__":{"polluted":1},"x":[1]}', { '__proto__.polluted': 1, x: '[1]' }],
      ['{"__proto__":[1,2]}', { ['__proto__']: '[1,2]' }],
    ] as const) {
      const m = message(line);
      decoder().decode(m);
      // Own keys, in order: a __proto__ that set the prototype would be missing here.
      expect(Object.entries(m.fields!), line).toEqual(Object.entries(JSON.parse(JSON.stringify(fields))));
      expect(Object.getPrototypeOf(m.fields), line).toBe(Object.prototype);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads log.level (ECS), bunyan numbers, syslog numbers and epoch times in s, ms and ns', () => {
    const cases: [string, number, number][] = [
      ['{"log":{"level":"ERROR"},"@timestamp":"2024-01-01T00:00:00Z"}', SEVERITY.err, Date.parse('2024-01-01T00:00:00Z')],
      ['{"level":50,"time":1700000000123}', SEVERITY.err, 1700000000123],
      ['{"severity":2,"ts":1700000000.25}', SEVERITY.crit, 1700000000250],
      ['{"lvl":"debug","timestamp":1700000000123456789}', SEVERITY.debug, 1700000000123],
      ['{"level":"Notice","ts":"1700000000"}', SEVERITY.notice, 1700000000000],
    ];
    for (const [line, severity, time] of cases) {
      const m = message(line);
      decoder().decode(m);
      expect([m.severity, m.timestamp], line).toEqual([severity, time]);
    }
  });

  it('keeps the line as printed with payload = "keep"', () => {
    const line = '{"level":"info","msg":"hi"}';
    const m = message(line);
    decoder({ payload: 'keep' }).decode(m);
    expect(m.payload).toBe(line);
    expect(m.rewritten).toBe(false);
    expect(m.fields).toEqual({ level: 'info', msg: 'hi' });
  });

  it('leaves alone what it cannot parse: text, arrays, malformed JSON, an unknown level', () => {
    for (const line of ['plain text', '[1,2,3]', '{"a":1', '{"a":}', '{not json}', '"string"', '', '{}x']) {
      const m = message(line);
      decoder().decode(m);
      expect([m.fields, m.payload, m.severity, m.rewritten], line).toEqual([undefined, line, SEVERITY.info, false]);
    }
    const m = message('{"level":"loud","msg":42}');
    decoder().decode(m);
    expect([m.severity, m.payload, m.fields]).toEqual([SEVERITY.info, '{"level":"loud","msg":42}', { level: 'loud', msg: 42 }]);
  });

  it('keeps arrays and objects past max_depth as JSON text, and skips nulls', () => {
    const m = message('{"tags":["a","b"],"a":{"b":{"c":{"d":1}}},"gone":null}');
    decoder({ max_depth: 2 }).decode(m);
    expect(m.fields).toEqual({ tags: '["a","b"]', 'a.b': '{"c":{"d":1}}' });
  });

  it('survives deep nesting, a 1 MB line, invalid UTF-8 and binary from a real process', () => {
    const lines = childLines(`
      const out = process.stdout;
      out.write('{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '\\n');
      out.write('['.repeat(100000) + '\\n');
      out.write(JSON.stringify({ msg: 'x'.repeat(1024 * 1024), level: 'info' }) + '\\n');
      out.write(Buffer.concat([Buffer.from('{"msg":"bad \\xff'), Buffer.from([0xff, 0xfe]), Buffer.from('","level":"error"}\\n')]));
      out.write(Buffer.from([0x7b, 0x00, 0x01, 0x02, 0x7d, 0x0a]));
    `);
    expect(lines).toHaveLength(5);
    const decoded = lines.map((raw) => {
      const m = message(raw);
      decoder().decode(m);
      return m;
    });
    expect(Object.keys(decoded[0].fields!)).toHaveLength(1);
    expect(Object.keys(decoded[0].fields!)[0].split('.')).toHaveLength(8);
    expect(decoded[1].fields).toBeUndefined();
    expect(decoded[2].payload).toHaveLength(1024 * 1024);
    expect(decoded[3].severity).toBe(SEVERITY.err);
    expect(decoded[3].payload).toContain('\ufffd');
    expect(decoded[4].fields).toBeUndefined();
    expect(decoded[4].raw).toEqual(lines[4]);
  });

  it('validates its options', () => {
    expect(problemsOf(jsonDecoder, { max_depth: 0 })).toEqual(['option "max_depth" must be an integer >= 1, got number 0']);
    expect(problemsOf(jsonDecoder, { payload: 'drop' })).toEqual(['option "payload" must be one of "message", "keep", got string "drop"']);
  });
});
