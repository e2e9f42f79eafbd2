import { describe, expect, it } from 'vitest';
import { fieldsFilter } from '../../../src/pipeline/filters/fields';
import { make, message, problemsOf } from './context';

describe('fields filter', () => {
  it('removes, renames, then adds', () => {
    const f = make(fieldsFilter, { add: { region: 'eu', level: 'x' }, rename: { lvl: 'level', missing: 'nowhere' }, remove: ['password'] });
    const m = message('x', 'web.1', { lvl: 'warn', password: 'p', n: 1 });
    f.process(m);
    expect(m.fields).toEqual({ level: 'x', n: 1, region: 'eu' });
  });

  it('renames and removes only fields the message has, not names every object inherits', () => {
    const m = message('x', 'web.1', { a: 1 });
    make(fieldsFilter, { rename: { toString: 't' }, remove: ['constructor'] }).process(m);
    expect(m.fields).toEqual({ a: 1 });
  });

  it('adds fields to a message that had none, and leaves a message without fields alone when only removing', () => {
    const m = message('x');
    make(fieldsFilter, { add: { app: 'shop' } }).process(m);
    expect(m.fields).toEqual({ app: 'shop' });
    const n = message('y');
    make(fieldsFilter, { remove: ['a'] }).process(n);
    expect(n.fields).toBeUndefined();
  });

  it('wants at least one change and non-empty new names', () => {
    expect(problemsOf(fieldsFilter, {})).toEqual(['the fields filter needs at least one of "add", "rename" or "remove", got none']);
    expect(problemsOf(fieldsFilter, { rename: { a: '' } })).toEqual(['option "rename" must map "a" to a new name, got ""']);
    expect(problemsOf(fieldsFilter, { add: 'x' })).toEqual(['option "add" must be a table of strings, e.g. { NAME = "value" }, got string "x"']);
  });
});
