import { it, expect } from 'vitest';
import { Message } from '../../src/pipeline/message';
import { toLogfmt, writeLogfmtAscii } from '../../src/pipeline/logfmt-format';
it('no writes past limit, exact bytes', () => {
  let x = 42;
  const next = (n: number) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % n; };
  const alphabet = 'ab "\\=\x7f\t';
  const str = () => Array.from({ length: next(8) }, () => alphabet[next(alphabet.length)]).join('');
  let bad = 0, ok = 0, declinedFits = 0;
  for (let n = 0; n < 3000; n++) {
    const m = new Message(Buffer.from(str()), 'w' + str().replace(/\t/g, ''), 'stdout', 1, 'h', 0);
    m.fields = { a: str(), b: next(2) ? -next(1000) : next(2) === 0, c: next(3) === 0 ? 1.5 : next(1e9) };
    const want = toLogfmt(m) + '\n';
    for (let size = Math.max(0, want.length - 12); size <= want.length + 1; size++) {
      const buf = Buffer.alloc(size + 40, 0xee);
      const end = writeLogfmtAscii(m, buf, 10, 10 + size);
      for (let k = 10 + size; k < buf.length; k++) if (buf[k] !== 0xee) bad++;
      for (let k = 0; k < 10; k++) if (buf[k] !== 0xee) bad++;
      if (end >= 0) { expect(buf.toString('latin1', 10, end)).toBe(want); ok++; }
      else if (size >= want.length && !m.payload.includes('\t') && !String(m.fields!.a).includes('\t')) { declinedFits++; if (declinedFits < 3) console.log('declined', JSON.stringify(want)); }
    }
  }
  console.log('bad', bad, 'ok', ok, 'declinedFits', declinedFits);
  expect(bad).toBe(0);
});
