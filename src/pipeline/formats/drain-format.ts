// How a drain (syslog, http logplex) renders a message: its MSG, and its fields as RFC 5424 structured data.
import type { Message } from '../message';
import { toJson } from './json-format';
import { toLogfmt } from './logfmt-format';
import { payloadSize, type Measure } from './split-message';
import { OWN_KEYS } from './format-fields';

export const DRAIN_FORMATS = ['auto', 'raw', 'logfmt', 'json'] as const;
export type DrainFormat = (typeof DRAIN_FORMATS)[number];

/** The documentation of a drain's `format` option. */
export const DRAIN_FORMAT_DOC =
  'how MSG is written: auto (the payload, and decoded fields as RFC 5424 structured data [fields@32473 key="value"], which every piece of a split line carries), raw (the payload only; fields are dropped), logfmt or json (the line the stdout output writes in that format, fields included)';

/** The SD-ID of the element that carries a message's fields (32473: RFC 5612's example enterprise number; drover has none). */
export const FIELDS_SD_ID = 'fields@32473';

/** What a drain sends for one message. */
export interface DrainRendering {
  /** The MSG part. */
  msg(m: Message): Buffer;
  /** Structured data of this message alone ('' for none). */
  sd(m: Message): string;
  /** The size of what `msg` returns, for splitting. */
  measure: Measure;
}

/** PARAM-NAME: 1 to 32 printable ASCII characters other than '=', ' ', ']' and '"' (RFC 5424 6.3.3). */
function paramName(key: string): string {
  const name = key.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32);
  return name || '_';
}

/** `[fields@32473 key="value" ...]` for the fields of `m`, or '' when it has none. */
export function fieldsAsStructuredData(m: Message): string {
  const fields = m.fields;
  if (!fields) return '';
  let sd = '';
  for (const key in fields) {
    // What the header or MSG says already (level is the PRI's severity, msg the MSG), as the logfmt format skips it.
    if (OWN_KEYS.has(key)) continue;
    // PARAM-VALUE: UTF-8 with '"', '\' and ']' escaped by a backslash.
    sd += ` ${paramName(key)}="${String(fields[key]).replace(/["\\\]]/g, '\\$&')}"`;
  }
  return sd ? `[${FIELDS_SD_ID}${sd}]` : '';
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

export function drainRendering(format: DrainFormat): DrainRendering {
  switch (format) {
    case 'raw':
      return { msg: (m) => m.raw, sd: () => '', measure: payloadSize };
    case 'logfmt':
      return { msg: (m) => utf8(toLogfmt(m)), sd: () => '', measure: (m) => Buffer.byteLength(toLogfmt(m)) };
    case 'json':
      return { msg: (m) => utf8(toJson(m)), sd: () => '', measure: (m) => Buffer.byteLength(toJson(m)) };
    default:
      return { msg: (m) => m.raw, sd: fieldsAsStructuredData, measure: payloadSize };
  }
}
