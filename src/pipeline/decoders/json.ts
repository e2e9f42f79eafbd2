// `json` decoder: a line holding a JSON object becomes Fields (nested keys flattened to `a.b`), with level,
// message and time picked up from the usual keys. Anything else passes on undecoded.
import { defineComponent, type Decoder } from '../component';
import { setField, type FieldValue, type Message } from '../message';
import type { Schema } from '../../config/schema';
import { applyLevelAndTime, applyPicked, pickSchema, picker, type Picker } from './pick';
import { FlatJsonReader } from './flat-json';

const schema: Schema = {
  ...pickSchema,
  max_depth: {
    type: 'integer',
    default: 8,
    min: 1,
    max: 64,
    doc: 'nesting depth flattened into dotted keys; deeper objects are kept as JSON text in one field',
  },
};

/** Decodes JSON object lines; a line that is not one is left as it was. */
export class JsonDecoder implements Decoder {
  private text: string | undefined;
  private readonly flat: FlatJsonReader;

  constructor(
    private readonly pick: Picker,
    private readonly maxDepth: number,
  ) {
    this.flat = new FlatJsonReader(pick);
  }

  decode(message: Message): void {
    const text = message.payload;
    if (!looksLikeObject(text)) return;
    const bytes = message.asciiChunk;
    if (bytes !== undefined && message.fields === undefined) {
      const start = message.asciiStart;
      const fields = this.flat.read(bytes, start, start + text.length, text);
      if (fields !== undefined) {
        message.fields = fields;
        applyLevelAndTime(message, this.flat.level, this.flat.time);
        if (this.flat.text !== undefined) message.payload = this.flat.text;
        return;
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // not JSON after all: the line passes on as printed
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
    const fields: Record<string, FieldValue> = message.fields ?? {};
    this.text = undefined;
    this.flatten(parsed as Record<string, unknown>, '', 1, fields);
    message.fields = fields;
    applyPicked(message, fields, this.text, this.pick);
  }

  private flatten(object: Record<string, unknown>, prefix: string, depth: number, into: Record<string, FieldValue>): void {
    for (const key in object) {
      const value = object[key];
      if (depth === 1 && this.text === undefined && typeof value === 'string' && this.pick.replacePayload && this.pick.messageKeys.has(key)) {
        this.text = value; // becomes the Payload; keeping it in Fields too would print it twice
        continue;
      }
      const name = prefix === '' ? key : prefix + key;
      switch (typeof value) {
        case 'string':
        case 'number':
        case 'boolean':
          setField(into, name, value);
          break;
        case 'object':
          if (value === null) break; // absent, so that Fields[name] == NIL holds
          if (Array.isArray(value) || depth >= this.maxDepth) setField(into, name, stringify(value));
          else this.flatten(value as Record<string, unknown>, name + '.', depth + 1, into);
          break;
      }
    }
  }
}

/** JSON text of a subtree; one nested thousands deep overflows JSON.stringify's stack, and is left out. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[nested too deeply]';
  }
}

/** True when the text starts with `{` and ends with `}`, ignoring blanks: cheap, and it spares JSON.parse most other lines. */
function looksLikeObject(text: string): boolean {
  let start = 0;
  let end = text.length - 1;
  while (start <= end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
  while (end > start && (text.charCodeAt(end) === 0x20 || text.charCodeAt(end) === 0x09 || text.charCodeAt(end) === 0x0d)) end--;
  return end > start && text.charCodeAt(start) === 0x7b && text.charCodeAt(end) === 0x7d;
}

/** The `json` decoder. */
export const jsonDecoder = defineComponent({
  kind: 'decoders',
  type: 'json',
  summary: 'Decodes lines that are JSON objects into Fields (nested keys as `a.b`), picking up level, message and time.',
  schema,
  example: '[decoders.json]\ntype = "json"\nmatch = "Logger =~ /^web/"\n# level_keys = ["level", "severity"]\n# payload = "keep"',
  create: (options) => new JsonDecoder(picker(options), options.max_depth),
});
