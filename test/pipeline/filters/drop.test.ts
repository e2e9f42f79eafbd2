import { describe, expect, it } from 'vitest';
import { dropFilter } from '../../../src/pipeline/filters/drop';
import { make, message } from './context';

describe('drop filter', () => {
  it('drops every message it is given (the match chooses them), binary and 1 MB lines too', () => {
    const f = make(dropFilter, {});
    for (const raw of ['debug line', Buffer.from([0, 0xff]), Buffer.alloc(1024 * 1024)]) expect(f.process(message(raw))).toBeUndefined();
  });
});
