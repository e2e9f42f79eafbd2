import { describe, expect, it } from 'vitest';
import { Message, SEVERITY } from '../../../src/pipeline/message';
import { guardFromSplit, payloadSize, splitMessage, tooLong } from '../../../src/pipeline/formats/split-message';
import { toLogfmt } from '../../../src/pipeline/formats/logfmt-format';

function message(text: string): Message {
  const m = new Message(Buffer.from(text), 'web.1', 'stderr', 7, 'host', Date.UTC(2026, 0, 1));
  m.severity = SEVERITY.err;
  m.fields = { path: '/x', duration_ms: 12 };
  return m;
}

describe('splitMessage', () => {
  it("cuts the payload into pieces of at most the limit, each with the whole message's severity, fields and timestamp", () => {
    const m = message('é'.repeat(30) + 'a'.repeat(41));
    const pieces = splitMessage(m, 25, payloadSize);
    expect(pieces.map((p) => p.raw.toString()).join('')).toBe(m.payload);
    for (const p of pieces) {
      expect(p.raw.length).toBeLessThanOrEqual(25);
      expect(p.payload).not.toContain('\ufffd'); // never half a character
      expect([p.severity, p.fields, p.timestamp, p.logger, p.stream]).toEqual([SEVERITY.err, m.fields, m.timestamp, 'web.1', 'stderr']);
    }
  });

  it('never cuts inside a redaction marker', () => {
    guardFromSplit('[REDACTED]');
    const m = message('a'.repeat(95) + '[REDACTED] tail');
    const pieces = splitMessage(m, 100, payloadSize).map((p) => p.payload);
    expect(pieces).toEqual(['a'.repeat(95), '[REDACTED] tail']);
  });

  it('counts the whole rendered line for logfmt, escapes included, so every piece fits', () => {
    const m = message('"\\'.repeat(300));
    const measure = (x: Message) => Buffer.byteLength(toLogfmt(x));
    expect(tooLong(m, 500, measure)).toBe(true);
    const pieces = splitMessage(m, 500, measure);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(measure(p)).toBeLessThanOrEqual(500);
    expect(pieces.map((p) => p.payload).join('')).toBe(m.payload);
  });

  it('leaves a message that fits alone', () => {
    const m = message('short');
    expect(tooLong(m, 10000, payloadSize)).toBe(false);
    expect(splitMessage(m, 10000, payloadSize)).toEqual([m]);
  });
});
