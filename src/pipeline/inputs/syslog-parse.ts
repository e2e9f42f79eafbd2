// Reading syslog messages: RFC 5424 and RFC 3164 (BSD), into the parts a Message needs. Never throws.
import { FACILITIES } from '../formats/rfc5424';
import type { FieldValue } from '../message';

/** A received syslog message, or the reason it could not be read (then `msg` is the whole text). */
export interface SyslogParts {
  severity: number;
  facility: string;
  timestamp: number | undefined;
  hostname: string;
  appName: string;
  procId: string;
  msg: string;
  fields: Record<string, FieldValue>;
  malformed?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PRI = /^<(\d{1,3})>/;
const RFC3164_TIME = /^([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) /;
/** TAG[PID]: or TAG: at the start of a 3164 message's rest. */
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]\s]*)\])?: ?/;

/** Parses one message as received (without its framing); timestamp is undefined when it has none. */
export function parseSyslog(text: string): SyslogParts {
  const pri = PRI.exec(text);
  if (!pri || Number(pri[1]) > 191) return malformed(text, 'no <PRI> at the start (expected e.g. "<13>")');
  const value = Number(pri[1]);
  const base = { severity: value & 7, facility: FACILITIES[value >> 3] ?? String(value >> 3) };
  const rest = text.slice(pri[0].length);
  if (/^[1-9]\d{0,2} /.test(rest)) return parse5424(rest, base, text);
  return parse3164(rest, base);
}

function malformed(text: string, reason: string): SyslogParts {
  return { severity: 6, facility: 'user', timestamp: undefined, hostname: '', appName: '', procId: '', msg: text, fields: {}, malformed: reason };
}

/** `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]` */
function parse5424(rest: string, base: { severity: number; facility: string }, text: string): SyslogParts {
  const header = /^\d+ (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (!header) return malformed(text, 'an RFC 5424 header needs VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID');
  const [, time, hostname, appName, procId, msgId] = header;
  let timestamp: number | undefined;
  if (time !== '-') {
    timestamp = Date.parse(time);
    if (Number.isNaN(timestamp)) return malformed(text, `TIMESTAMP "${time}" is not an RFC 3339 time`);
  }
  const fields: Record<string, FieldValue> = {};
  if (msgId !== '-') fields.msgid = msgId;
  let at = header[0].length;
  if (rest[at] === '-') at++;
  else if (rest[at] === '[') {
    const end = parseStructuredData(rest, at, fields);
    if (end < 0) return malformed(text, 'STRUCTURED-DATA is not well formed (expected [id name="value" ...] or -)');
    at = end;
  } else return malformed(text, 'expected STRUCTURED-DATA ([id name="value"] or -) after MSGID');
  let msg = rest[at] === ' ' ? rest.slice(at + 1) : rest.slice(at);
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1); // the UTF-8 BOM RFC 5424 puts before an MSG in UTF-8
  const nil = (v: string) => (v === '-' ? '' : v);
  return { ...base, timestamp, hostname: nil(hostname), appName: nil(appName), procId: nil(procId), msg, fields };
}

/** SD-ELEMENTs from `at`: each PARAM becomes Fields["SD-ID.PARAM-NAME"]; returns where they end, -1 if malformed. */
function parseStructuredData(text: string, at: number, fields: Record<string, FieldValue>): number {
  while (text[at] === '[') {
    const id = /^\[([^\s=\]"]{1,32})/.exec(text.slice(at, at + 34));
    if (!id) return -1;
    at += id[0].length;
    while (text[at] === ' ') {
      const name = /^ ([^\s=\]"]{1,32})="/.exec(text.slice(at, at + 36));
      if (!name) return -1;
      at += name[0].length;
      let value = '';
      for (;;) {
        const c = text[at++];
        if (c === undefined) return -1;
        if (c === '"') break;
        if (c === '\\' && (text[at] === '"' || text[at] === '\\' || text[at] === ']')) value += text[at++];
        else value += c;
      }
      fields[`${id[1]}.${name[1]}`] = value;
    }
    if (text[at] !== ']') return -1;
    at++;
  }
  return at;
}

/** `Mmm dd hh:mm:ss [HOSTNAME] TAG[PID]: MSG`; anything after the PRI that is not that is kept as MSG. */
function parse3164(rest: string, base: { severity: number; facility: string }): SyslogParts {
  const time = RFC3164_TIME.exec(rest);
  let timestamp: number | undefined;
  let at = 0;
  if (time) {
    const month = MONTHS.indexOf(time[1]);
    if (month >= 0) {
      // No year: this year, or last year for a December message read in January.
      const now = new Date();
      const date = new Date(now.getFullYear(), month, Number(time[2]), Number(time[3]), Number(time[4]), Number(time[5]));
      if (date.getTime() - now.getTime() > 7 * 86400_000) date.setFullYear(now.getFullYear() - 1);
      timestamp = date.getTime();
      at = time[0].length;
    }
  }
  let body = rest.slice(at);
  let hostname = '';
  // A HOSTNAME comes before the TAG when the first word is not itself a tag (`name:` or `name[pid]:`).
  if (time && !TAG.test(body)) {
    const space = body.indexOf(' ');
    if (space > 0 && TAG.test(body.slice(space + 1))) {
      hostname = body.slice(0, space);
      body = body.slice(space + 1);
    }
  }
  const tag = TAG.exec(body);
  if (!tag) return { ...base, timestamp, hostname, appName: '', procId: '', msg: body, fields: {} };
  return { ...base, timestamp, hostname, appName: tag[1], procId: tag[2] ?? '', msg: body.slice(tag[0].length), fields: {} };
}
