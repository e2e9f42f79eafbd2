import { describe, expect, it } from 'vitest';
import { isoMicros } from '../../../src/pipeline/formats/formats';
import { toJson } from '../../../src/pipeline/formats/json-format';
import { Message } from '../../../src/pipeline/message';

function message(payload: string, fields?: Record<string, string | number | boolean>) {
  const m = new Message(Buffer.from(payload), 'web.1', 'stdout', 7, 'host', Date.UTC(2026, 10, 23, 17, 31, 7, 123));
  m.fields = fields;
  return m;
}

describe('formats', () => {
  it('writes json with the fields after the fixed keys, and valid JSON for any payload', () => {
    const line = toJson(message('bad \u0000 bytes', { status: 500, ok: false }));
    expect(JSON.parse(line)).toEqual({
      timestamp: '2026-11-23T17:31:07.123Z',
      level: 'info',
      logger: 'web.1',
      stream: 'stdout',
      message: 'bad \u0000 bytes',
      status: 500,
      ok: false,
    });
  });

  it('writes the timestamp Heroku uses, with microseconds', () => {
    expect(isoMicros(Date.UTC(2026, 10, 23, 17, 31, 7, 123))).toBe('2026-11-23T17:31:07.123000+00:00');
  });
});
