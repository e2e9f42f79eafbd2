import { describe, expect, it } from 'vitest';
import { FlatJsonReader } from '../../../src/pipeline/decoders/flat-json';
import { jsonDecoder } from '../../../src/pipeline/decoders/json';
import { picker } from '../../../src/pipeline/decoders/pick';
import { Message, type FieldValue } from '../../../src/pipeline/message';
import { make, message } from '../filters/context';

/** A message as the pipeline makes one for an ASCII line read from a process: bytes in a chunk, with its text. */
function readLine(line: string): Message {
  const chunk = Buffer.from(`{"before":1}\n${line}\n{"after":2}\n`, 'latin1');
  const start = chunk.indexOf(10) + 1;
  return Message.fromChunk(chunk, start, start + line.length, 'web.1', 'stdout', 42, 'host', 1_700_000_000_000, 'log', line);
}

/** What the json decoder made of a message. */
function outcome(m: Message) {
  return {
    fields: m.fields,
    keys: m.fields && Object.keys(m.fields),
    severity: m.severity,
    timestamp: m.timestamp,
    payload: m.payload,
    rewritten: m.rewritten,
  };
}

// A small deterministic generator (xorshift), so a failure names a line that can be run again.
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const KEYS = ['level', 'msg', 'message', 'time', 'ts', 'severity', 'a', 'b', 'log.level', '__proto__', 'constructor', '0', 'x y'];
const VALUES = [
  '"info"',
  '"debug"',
  '"WARN"',
  '50',
  '3',
  '0',
  '-0',
  '-12',
  '007',
  '1.5',
  '1e3',
  '-',
  '123456789012345',
  '1234567890123456',
  'true',
  'false',
  'null',
  'tru',
  'nul',
  '"x\\"y"',
  '"tab\\t"',
  '"a b"',
  '""',
  '"2024-05-01T10:00:00.250Z"',
  '1700000000123',
  '{"n":1}',
  '[1,2]',
  '"open',
];
const BLANKS = ['', '', '', ' ', '\t', '\r', '  '];

/** A line close to JSON: mostly valid flat objects, some nested, some broken in small ways. */
function nearlyJson(next: (n: number) => number): string {
  const blank = () => BLANKS[next(BLANKS.length)];
  const pairs = Array.from({ length: next(7) }, () => `${blank()}"${KEYS[next(KEYS.length)]}"${blank()}:${blank()}${VALUES[next(VALUES.length)]}${blank()}`);
  let body = pairs.join(next(20) === 0 ? ',,' : ',');
  if (next(30) === 0) body += ',';
  return `${blank()}{${body}}${next(40) === 0 ? 'x' : blank()}`;
}

describe('json decoder, flat-object fast path', () => {
  // The fast path reads bytes; the slow path (JSON.parse) is what a line that is not read from a process takes.
  it.each([
    ['default options', {}],
    ['payload = "keep"', { payload: 'keep' }],
    ['other keys', { level_keys: ['severity', 'level'], message_keys: ['message'], time_keys: ['ts'] }],
    ['names every object inherits as keys', { level_keys: ['constructor', '__proto__', 'level'], time_keys: ['toString', 'ts'] }],
  ])('decodes 5,000 generated lines exactly as JSON.parse does, with %s', (_, options) => {
    const next = random(12345);
    const fast = make(jsonDecoder, options);
    const slow = make(jsonDecoder, options);
    const reader = new FlatJsonReader(picker({ level_keys: ['level'], message_keys: ['msg'], time_keys: ['time'], payload: 'message', ...options }));
    let fastLines = 0;
    for (let n = 0; n < 5000; n++) {
      const line = nearlyJson(next);
      const a = readLine(line);
      if (reader.read(a.asciiChunk!, a.asciiStart, a.asciiStart + line.length, line)) fastLines++;
      const b = message(line);
      fast.decode(a);
      slow.decode(b);
      expect(outcome(a), line).toEqual(outcome(b));
    }
    // Enough of them took the fast path for the comparison to mean something.
    expect(fastLines).toBeGreaterThan(1000);
  });

  // Fields objects are made by a function compiled per sequence of keys (field-shapes.ts): lines of a few kinds, in
  // turn, more kinds than it keeps, with nulls and repeated keys among them, must still come out as JSON.parse says.
  it('decodes lines of a dozen recurring kinds, values changing, exactly as JSON.parse does', () => {
    const next = random(777);
    const kinds = Array.from({ length: 12 }, () => Array.from({ length: 1 + next(8) }, () => KEYS[next(KEYS.length)]));
    kinds.push(['level', 'a', 'level'], ['a', 'b', 'a', 'a'], ['a', 'b', 'c', 'a']);
    // Short values repeat (their string is reused): among them some that start like another and go on differently.
    const simple = [
      '"info"',
      '"debug"',
      '"WARN"',
      '"inf"',
      '"info\\"x"',
      '"info\\u0041"',
      '"infox',
      '7',
      '-12',
      '0123',
      '123456789012345',
      'true',
      'false',
      'null',
      '""',
      '"2024-05-01T10:00:00.250Z"',
      '"a longer value, past 13"',
    ];
    const fast = make(jsonDecoder, {});
    const slow = make(jsonDecoder, {});
    const reader = new FlatJsonReader(picker({ level_keys: ['level'], message_keys: ['msg'], time_keys: ['time'], payload: 'message' }));
    let fastLines = 0;
    for (let n = 0; n < 20_000; n++) {
      // Runs of one kind, as an app prints them, and now and then another.
      const kind = kinds[next(4) === 0 ? next(kinds.length) : Math.floor(n / 50) % kinds.length];
      const line = `{${kind.map((k) => `"${k}":${simple[next(simple.length)]}`).join(',')}}`;
      const a = readLine(line);
      if (reader.read(a.asciiChunk!, a.asciiStart, a.asciiStart + line.length, line)) fastLines++;
      const b = message(line);
      fast.decode(a);
      slow.decode(b);
      expect(outcome(a), line).toEqual(outcome(b));
      if (a.fields) expect(Object.getPrototypeOf(a.fields)).toBe(Object.prototype);
    }
    expect(fastLines).toBeGreaterThan(5_000);
  });

  it('takes the fast path for flat objects and leaves the rest to JSON.parse', () => {
    const reader = new FlatJsonReader(picker({ level_keys: ['level'], message_keys: ['msg'], time_keys: ['time'], payload: 'message' }));
    const read = (line: string): Record<string, FieldValue> | undefined => {
      const m = readLine(line);
      return reader.read(m.asciiChunk!, m.asciiStart, m.asciiStart + line.length, line);
    };
    expect(read(' {"level":"warn", "msg":"hi", "n":-12, "ok":true, "gone":null, "time":"2024-05-01T10:00:00Z"} ')).toEqual({
      level: 'warn',
      n: -12,
      ok: true,
      time: '2024-05-01T10:00:00Z',
    });
    expect([reader.level, reader.text, reader.time]).toEqual(['warn', 'hi', '2024-05-01T10:00:00Z']);
    expect(read('{}')).toEqual({});
    for (const line of [
      '{"a":{"b":1}}',
      '{"a":[1]}',
      '{"a":"x\\"y"}',
      '{"a":1.5}',
      '{"a":1e3}',
      '{"a":1234567890123456}',
      '{"msg":"a","msg":"b"}',
      '{"a":1,"a":null}',
      '{"a":1,}',
      '{"a":1}x',
      '{"a":01}',
      '{"a":-}',
    ]) {
      expect(read(line), line).toBeUndefined();
    }
  });

  it('keeps a non-ASCII line and a rewritten payload on the JSON.parse path', () => {
    const m = Message.fromChunk(Buffer.from('{"msg":"café"}'), 0, 15, 'web.1', 'stdout', 42, 'host', 0, 'log');
    expect(m.asciiChunk).toBeUndefined();
    const rewritten = readLine('{"msg":"hi"}');
    rewritten.payload = '{"msg":"other"}';
    expect(rewritten.asciiChunk).toBeUndefined();
    make(jsonDecoder, {}).decode(rewritten);
    expect(rewritten.payload).toBe('other');
  });
});
