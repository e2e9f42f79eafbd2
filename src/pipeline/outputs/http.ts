// `http` output: batched POSTs to an HTTPS drain (Logplex-style frames, NDJSON or a JSON array).
import type { Schema } from '../../config/schema';
import { deliveryFields } from '../delivery/drain';
import { createHttpDrain, httpTlsProblems, requestFields, type Framing } from '../delivery/http-transport';
import { tlsFields } from '../delivery/tls-files';
import { defineComponent } from '../component';
import { jsonArrayParts, toJson } from '../formats/json-format';
import type { Message } from '../message';
import { defaultAppName, FACILITIES, Rfc5424, type Facility } from '../formats/rfc5424';
import { DRAIN_FORMATS, drainRendering } from '../formats/drain-format';
import { splitForTransport, type Measure } from '../formats/split-message';

const FORMATS = ['logplex', 'ndjson', 'json'] as const;
type HttpFormat = (typeof FORMATS)[number];

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** Each format's request body from its records (see encoder), as http-transport.ts sends them. */
const FRAMINGS: Record<HttpFormat, Framing> = {
  logplex: {
    contentType: 'application/logplex-1',
    body: (records) => records,
    headers: (records, batchId) => ({ 'Logplex-Msg-Count': String(records.length), 'Logplex-Frame-Id': batchId }),
  },
  ndjson: { contentType: 'application/x-ndjson', body: (records) => records },
  json: { contentType: 'application/json', body: (records) => jsonArrayParts(OPEN, records, COMMA, CLOSE) },
};

const schema: Schema = {
  url: {
    type: 'string',
    required: true,
    pattern: /^https?:\/\/[^\s/]+/,
    patternHint: 'an http:// or https:// URL, such as "https://collector.example.com/logs"',
    doc: 'where to POST batches',
  },
  format: {
    type: 'enum',
    values: FORMATS,
    default: 'logplex',
    doc: 'the body: logplex (application/logplex-1: octet-counted RFC 5424 frames, as Heroku HTTPS drains; their MSG as message_format says), ndjson (one JSON object a line, fields as keys) or json (an array of them)',
  },
  message_format: {
    type: 'enum',
    values: DRAIN_FORMATS,
    default: 'auto',
    doc: 'logplex: how each frame\'s MSG is written, as the syslog output\'s format: auto (the payload, and decoded fields as structured data [fields@32473 key="value"] on every piece), raw (the payload only), logfmt or json (fields in MSG, for receivers that parse only MSG)',
  },
  max_line_length: {
    type: 'size',
    doc: "a line longer than this many bytes is sent as several messages (after filters and redaction), each with the whole message's severity, timestamp and fields; 0 never splits. Default: 10,000 (Logplex's limit) for logplex, 0 for ndjson and json",
  },
  ...requestFields(500),
  gzip: { type: 'boolean', default: false, doc: 'compress request bodies (Content-Encoding: gzip)' },
  ...tlsFields('https: '),
  facility: { type: 'enum', values: FACILITIES, default: 'user', doc: 'logplex format: syslog facility of the frames' },
  app_name: { type: 'string', doc: 'logplex format: APP-NAME; default HEROKU_APP_NAME, Cloud Foundry\'s application_name, or "app"' },
  hostname: { type: 'string', doc: 'logplex format: HOSTNAME for messages that carry none' },
  ...deliveryFields,
};

/** How each message becomes a record of the chosen format. */
function encoder(format: HttpFormat, options: Record<string, any>, context: { env: NodeJS.ProcessEnv; hostname: string }): (m: Message) => Buffer {
  if (format === 'logplex') {
    const rfc = new Rfc5424({
      facility: options.facility as Facility,
      appName: options.app_name ?? defaultAppName(context.env),
      hostname: options.hostname ?? context.hostname,
      structuredData: '',
    });
    // MSG as message_format says (auto: the payload, fields as structured data). As Logplex sends them: the count
    // includes a trailing newline.
    const { msg, sd } = drainRendering(options.message_format);
    return (m) => rfc.frame(m, 'octet-counting', '\n', msg(m), sd(m));
  }
  const suffix = format === 'ndjson' ? '\n' : '';
  return (m) => Buffer.from(toJson(m) + suffix, 'utf8');
}

export const httpOutput = defineComponent({
  kind: 'outputs',
  type: 'http',
  summary: 'POSTs batches of messages to an HTTP(S) endpoint: Logplex frames, NDJSON or JSON; retried with backoff.',
  schema,
  example:
    '[outputs.collector]\ntype = "http"\nurl = "https://collector.example.com/logs"\nformat = "logplex"\nheaders = { Authorization = "Bearer ${COLLECTOR_TOKEN}" }\nbatch_size = 500\nbuffer = { type = "memory", max_events = 10000, when_full = "drop_oldest" }',
  check(options) {
    const problems: { key: string; message: string; hint?: string }[] = httpTlsProblems(options);
    if (options.message_format !== undefined && options.message_format !== 'auto' && options.format !== 'logplex') {
      problems.push({
        key: 'message_format',
        message: `option "message_format" applies to format = "logplex" only, and format is ${JSON.stringify(options.format)}`,
        hint: 'ndjson and json bodies carry the fields as keys already',
      });
    }
    return problems;
  },
  create(options, context) {
    const format = options.format as HttpFormat;
    const sender = createHttpDrain(options, context, { encode: encoder(format, options, context), framing: FRAMINGS[format], gzip: options.gzip });
    const limit = options.max_line_length ?? (options.format === 'logplex' ? 10000 : 0);
    const measure: Measure = options.format === 'logplex' ? drainRendering(options.message_format).measure : (m) => Buffer.byteLength(toJson(m));
    return splitForTransport(sender, limit, measure, true);
  },
});
