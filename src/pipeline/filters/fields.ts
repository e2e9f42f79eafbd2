// `fields` filter: adds, renames and removes Fields, e.g. to tag every line with the app's release or to
// rename `lvl` to `level` before a drain that expects it.
import { defineComponent, type Filter } from '../component';
import type { FieldValue, Message } from '../message';
import type { Schema } from '../../config/schema';

const schema: Schema = {
  add: {
    type: 'map',
    default: {},
    doc: 'fields to set on every message, e.g. { release = "${HEROKU_RELEASE_VERSION:-dev}", region = "eu" }; they replace a field of the same name',
  },
  rename: { type: 'map', default: {}, doc: 'fields to rename, old = "new", e.g. { lvl = "level" }; a missing field is skipped' },
  remove: { type: 'string[]', default: [], doc: 'fields to remove, e.g. ["password", "headers.cookie"]' },
};

/** Applies remove, then rename, then add: each list is precomputed, so a message costs a few property writes. */
export class FieldsFilter implements Filter {
  private readonly add: [string, FieldValue][];
  private readonly rename: [string, string][];
  private readonly remove: string[];

  constructor(options: Record<string, any>) {
    this.add = Object.entries(options.add as Record<string, string>);
    this.rename = Object.entries(options.rename as Record<string, string>);
    this.remove = options.remove;
  }

  process(message: Message): Message | undefined {
    let fields = message.fields;
    if (fields) {
      for (const name of this.remove) if (Object.hasOwn(fields, name)) delete fields[name];
      for (const [from, to] of this.rename) {
        if (!Object.hasOwn(fields, from)) continue;
        fields[to] = fields[from];
        delete fields[from];
      }
    }
    if (this.add.length) {
      fields ??= message.fields = {};
      for (const [name, value] of this.add) fields[name] = value;
    }
    return message;
  }
}

/** The `fields` filter. */
export const fieldsFilter = defineComponent({
  kind: 'filters',
  type: 'fields',
  summary: 'Adds, renames and removes Fields.',
  schema,
  example:
    '[filters.tag]\ntype = "fields"\nmatch = "TRUE"\nadd = { release = "${HEROKU_RELEASE_VERSION:-dev}" }\nrename = { lvl = "level" }\nremove = ["password"]',
  check(options) {
    const empty = Object.keys(options.add).length + Object.keys(options.rename).length + options.remove.length === 0;
    const problems = empty
      ? [{ key: 'add', message: 'the fields filter needs at least one of "add", "rename" or "remove", got none', hint: 'e.g. add = { region = "eu" }' }]
      : [];
    for (const [from, to] of Object.entries(options.rename as Record<string, string>)) {
      if (to === '')
        problems.push({ key: 'rename', message: `option "rename" must map "${from}" to a new name, got ""`, hint: 'to drop a field, list it in "remove"' });
    }
    return problems;
  },
  create: (options) => new FieldsFilter(options),
});
