import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers';
import { FileOutput } from '../../src/pipeline/outputs/file';
import { Message, type FieldValue } from '../../src/pipeline/message';
import { jsonDecoder } from '../../src/pipeline/decoders/json';
import { make, message } from '../pipeline/filters/context';
import { toLogfmt, writeLogfmtAscii } from '../../src/pipeline/logfmt-format';

function readLine(line: string): Message {
  const chunk = Buffer.from(`${line}\n`, 'latin1');
  return Message.fromChunk(chunk, 0, line.length, 'web.1', 'stdout', 42, 'host', 1_700_000_000_000, 'log', line);
}
const outcome = (m: Message) => ({ fields: m.fields, keys: m.fields && Object.keys(m.fields), severity: m.severity, timestamp: m.timestamp, payload: m.payload, rewritten: m.rewritten });

describe('probe', () => {
  it('file output logfmt rotates by size', async () => {
    const dir = tempDir();
    const path = join(dir, 'app.log');
    for (const format of ['logfmt', 'json'] as const) {
      const p = `${path}.${format}`;
      const out = new FileOutput(p, format, 2000, 3);
      for (let i = 0; i < 200; i++) out.write(message(`line ${i} ${'x'.repeat(50)}`));
      await out.close(Date.now() + 2000);
      console.log(format, readdirSync(dir).filter((f) => f.startsWith(`app.log.${format}`)), (out as any).writer.appended, out.stats());
    }
  });

  it('random json fast vs slow', () => {
    let x = 987654321;
    const next = (n: number) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
    const KEYS = ['level', 'msg', 'message', 'time', 'ts', 'severity', 'a', 'b', '__proto__', 'constructor', 'toString', '0', '1', '10', '01', '-1', '', ' ', 'x y', 'hasOwnProperty', 'valueOf'];
    const VALUES = ['"info"', '"warn"', '5', '30', '-0', '0', '1700000000', '1700000000123', '999999999999999', '-999999999999999', 'true', 'false', 'null', '"a\x7fb"', '""', '" "', '"2024-05-01T10:00:00Z"', '"{}"', '"1700000000"'];
    const BL = ['', ' ', '\t', '\r', ' \r\t '];
    const optionsList: Record<string, unknown>[] = [{}, { payload: 'keep' }, { level_keys: ['msg', 'level'] }, { level_keys: ['level', 'msg'], time_keys: ['msg', 'level'], message_keys: ['level', 'msg'] }, { message_keys: ['0', 'msg'] }, { level_keys: ['0', '1', 'level'], time_keys: ['10', 'ts'] }, { level_keys: ['constructor', 'level'] }, { level_keys: ['__proto__', 'level'] }];
    const diffs: string[] = [];
    for (const options of optionsList) {
      const fast = make(jsonDecoder, options);
      const slow = make(jsonDecoder, options);
      for (let n = 0; n < 20000; n++) {
        const b = () => BL[next(BL.length)];
        const pairs = Array.from({ length: next(6) }, () => `${b()}"${KEYS[next(KEYS.length)]}"${b()}:${b()}${VALUES[next(VALUES.length)]}${b()}`);
        const line = `${next(3) ? '' : ' '}{${pairs.join(',')}}${next(3) ? '' : ' \r'}`;
        const a = readLine(line);
        const s = message(line);
        fast.decode(a);
        slow.decode(s);
        try { expect(outcome(a)).toEqual(outcome(s)); } catch { if (diffs.filter((d) => d.startsWith(JSON.stringify(options))).length < 2) diffs.push(JSON.stringify(options) + ' ' + JSON.stringify(line) + ' fast=' + JSON.stringify(outcome(a)) + ' slow=' + JSON.stringify(outcome(s))); }
      }
    }
    console.log(diffs.join('\n'));
  });

  it('logfmt in-place vs string on odd values', () => {
    const cases: Record<string, unknown>[] = [{ a: NaN }, { a: Infinity }, { a: -Infinity }, { a: 1e21 }, { a: -0 }, { a: 0.1 }, { a: 'x\x7f' }, { a: '\x7f' }, { a: '' }, { a: 'a\\b' }, { a: 'a=b' }, { a: undefined }, { a: null }, { a: 10n }, { a: ['x'] }, { a: new Date(0) }, { 'k\x7f': 1 }, { 'ké': 1 }, { '': 1 }];
    for (const fields of cases) {
      const m = new Message(Buffer.from('p'), 'web.1', 'stdout', 1, 'h', 0);
      m.fields = fields as Record<string, FieldValue>;
      const bytes = Buffer.alloc(1000);
      const end = writeLogfmtAscii(m, bytes, 0, 1000);
      const fast = end < 0 ? '(declined)' : bytes.toString('latin1', 0, end);
      let slow: string;
      try { slow = toLogfmt(m) + '\n'; } catch (e) { slow = 'throws ' + (e as Error).message; }
      if (fast !== '(declined)' && fast !== slow) console.log('DIFF', Object.keys(fields), String(Object.values(fields)[0]), JSON.stringify(fast), JSON.stringify(slow));
    }
    for (const logger of ['web\x7f1', 'a b', 'a\tb', '', 'a"b']) {
      const m = new Message(Buffer.from('p'), logger, 'stdout', 1, 'h', 0);
      const bytes = Buffer.alloc(1000);
      const end = writeLogfmtAscii(m, bytes, 0, 1000);
      const fast = end < 0 ? '(declined)' : bytes.toString('latin1', 0, end);
      if (fast !== '(declined)' && fast !== toLogfmt(m) + '\n') console.log('LOGGER DIFF', JSON.stringify(logger), fast);
    }
    for (const ts of [NaN, 8.64e15 + 1, -1, 253402300800000]) {
      const m = new Message(Buffer.from('p'), 'w', 'stdout', 1, 'h', ts);
      let r: string;
      try { const bytes = Buffer.alloc(1000); const e = writeLogfmtAscii(m, bytes, 0, 1000); r = bytes.toString('latin1', 0, e); } catch (e) { r = 'throws ' + (e as Error).message; }
      console.log('ts', ts, r.trim());
    }
  });
});
