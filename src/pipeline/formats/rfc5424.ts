// RFC 5424 syslog messages and their framings (RFC 6587 octet counting, newline), as drains expect them.
import { isoMicros } from './formats';
import type { ReusedMemory } from './reused-memory';
import type { Message } from '../message';

/** Facility names (RFC 5424 table 1), the values of the `facility` option. */
export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;
export type Facility = (typeof FACILITIES)[number];

/** What stays the same for every message of one output. */
export interface HeaderOptions {
  facility: Facility;
  /** APP-NAME: the app, as the platform names it. */
  appName: string;
  /** Used when a message has no hostname of its own, or for every message when `fixedHostname`. */
  hostname: string;
  /** True when the output's `hostname` option was set: it then names the host of every message. */
  fixedHostname?: boolean;
  /** STRUCTURED-DATA, already in `[id key="value"]` form, or '' for the NILVALUE. */
  structuredData: string;
  /**
   * Where messages are built when each is copied before the next is built (a drain's buffer copies what it
   * keeps): see ReusedMemory. Without it, every message is a Buffer of its own.
   */
  memory?: ReusedMemory;
}

/** RFC 5424 header fields are printable US-ASCII without spaces, each with a maximum length; '-' when empty. */
export function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** APP-NAME from the platform: Heroku's HEROKU_APP_NAME (dyno metadata), Cloud Foundry's application_name, else "app". */
export function defaultAppName(env: NodeJS.ProcessEnv): string {
  if (env.HEROKU_APP_NAME) return env.HEROKU_APP_NAME;
  if (env.VCAP_APPLICATION) {
    try {
      const name = JSON.parse(env.VCAP_APPLICATION).application_name;
      if (typeof name === 'string' && name) return name;
    } catch {
      // A malformed VCAP_APPLICATION is the platform's problem; fall through to the default.
    }
  }
  return 'app';
}

/** Syntax of STRUCTURED-DATA (one or more SD-ELEMENTs), to check the option before anything is sent. */
// SD-ID and PARAM-NAME: 1 to 32 printable ASCII characters other than '=', ' ', ']' and '"' (RFC 5424 6.3).
const SD_NAME = '(?:(?![=\\]"])[\\x21-\\x7e]){1,32}';
export const STRUCTURED_DATA = new RegExp(`^(\\[${SD_NAME}(?: ${SD_NAME}="(?:[^"\\\\\\]]|\\\\["\\\\\\]])*")*\\])+$`);

/** Builds RFC 5424 messages: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`. */
export class Rfc5424 {
  private readonly facility: number;
  private readonly app: string;
  private readonly sd: string;
  private readonly host: string;
  private readonly fixedHost: boolean;
  // The header before MSG only changes with the millisecond, logger and severity: cache the last few.
  private cache = new Map<string, string>();
  private cachedAt = -1;
  private readonly memory: ReusedMemory | undefined;

  constructor(options: HeaderOptions) {
    this.facility = FACILITIES.indexOf(options.facility);
    this.app = headerField(options.appName, 48);
    this.host = headerField(options.hostname, 255);
    this.fixedHost = options.fixedHostname === true;
    this.sd = options.structuredData || '-';
    this.memory = options.memory;
  }

  /** Memory for a message of `size` bytes: see HeaderOptions.memory. */
  private out(size: number): Buffer {
    return this.memory ? this.memory.take(size) : Buffer.allocUnsafe(size);
  }

  /** The header up to and including the space before MSG; `sd` is structured data of this message alone (its fields). */
  header(message: Message, sd = ''): string {
    if (message.timestamp !== this.cachedAt) {
      this.cache.clear();
      this.cachedAt = message.timestamp;
    }
    const severity = Math.min(7, Math.max(0, Math.trunc(message.severity) || 0));
    const key = `${severity} ${message.logger} ${message.hostname}`;
    let header = this.cache.get(key);
    if (header === undefined) {
      const host = message.hostname && !this.fixedHost ? headerField(message.hostname, 255) : this.host;
      header = `<${this.facility * 8 + severity}>1 ${isoMicros(message.timestamp)} ${host} ${this.app} ${headerField(message.logger, 128)} - ${this.sd} `;
      this.cache.set(key, header);
    }
    // The output's own element (a token) first, then the message's.
    if (sd) header = header.slice(0, header.length - this.sd.length - 1) + (this.sd === '-' ? sd : this.sd + sd) + ' ';
    return header;
  }

  /**
   * The message as bytes, truncated to `max` bytes (UDP) without splitting a UTF-8 character. `msg` is the MSG
   * (default: the payload as printed) and `sd` the message's own structured data (see header).
   */
  encode(message: Message, max = Infinity, msg: Buffer = message.raw, sd = ''): Buffer {
    const header = this.header(message, sd);
    const headerBytes = Buffer.byteLength(header);
    const raw = msgBytes(msg);
    let length = Math.min(headerBytes + raw.length, max);
    if (length < headerBytes + raw.length) length = utf8Boundary(raw, length - headerBytes) + headerBytes;
    const out = this.out(Math.max(length, 0));
    out.write(header, 0, 'utf8');
    raw.copy(out, headerBytes, 0, Math.max(0, length - headerBytes));
    return out;
  }

  /** The message framed for a stream: octet counting (`LEN SP MSG`) or a trailing newline; `extra` is appended inside the count. */
  frame(message: Message, framing: 'octet-counting' | 'newline', extra = '', msg: Buffer = message.raw, sd = ''): Buffer {
    const header = this.header(message, sd);
    const raw = msgBytes(msg);
    const body = Buffer.byteLength(header) + raw.length + extra.length;
    const prefix = framing === 'octet-counting' ? `${body} ` : '';
    const out = this.out(prefix.length + body + (framing === 'newline' ? 1 : 0));
    let at = out.write(prefix + header, 0, 'utf8');
    const start = at;
    at += raw.copy(out, at);
    // Newline framing cannot carry a line break inside a message (a multiline group): it would split it.
    if (framing === 'newline' && raw.includes(10)) for (let i = start; i < at; i++) if (out[i] === 10) out[i] = 32;
    if (extra) at += out.write(extra, at, 'latin1');
    if (framing === 'newline') out[at] = 10;
    return out;
  }
}

/**
 * Node 18.14+ has buffer.isUtf8; before it, a fatal TextDecoder says the same. Looked up by require: an `import *`
 * of a built-in makes esbuild copy every export (interop code run at every start).
 */
const isUtf8: (bytes: Buffer) => boolean =
  (require('node:buffer') as { isUtf8?: (b: Buffer) => boolean }).isUtf8 ??
  ((bytes) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return true;
    } catch {
      return false;
    }
  });

/**
 * MSG as sent: RFC 5424 allows a BOM only before valid UTF-8 (MSG-UTF8), so a line that starts with one but is
 * not valid UTF-8 goes without its BOM (as MSG-ANY, bytes otherwise as printed).
 */
export function msgBytes(raw: Buffer): Buffer {
  if (raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf && !isUtf8(raw.subarray(3))) return raw.subarray(3);
  return raw;
}

/** The largest length <= `length` that does not cut a UTF-8 sequence of `bytes` in two. */
export function utf8Boundary(bytes: Buffer, length: number): number {
  if (length <= 0) return 0;
  if (length >= bytes.length) return bytes.length;
  let at = length;
  // Back up over continuation bytes (10xxxxxx) to the lead byte, which then starts the cut-off character.
  while (at > 0 && (bytes[at] & 0xc0) === 0x80) at--;
  return at;
}
