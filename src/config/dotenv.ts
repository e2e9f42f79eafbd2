// `.env` parsing as dotenv 16 reads it (the format most apps' .env files are written for): KEY=value or
// KEY: value, `export ` prefix, '…', "…" and `…` quotes that may span lines, `#` comments, any line ending.
// Unlike dotenv, a line it skips is reported (with its line number), never dropped in silence.
import type { ConfigProblem } from './errors';

export interface ParsedDotenv {
  vars: Record<string, string>;
  /** Lines skipped or read in a way the author may not expect; the other lines still apply. */
  warnings: ConfigProblem[];
}

/** `KEY=`, `KEY =`, `export KEY=` or `KEY: ` (a colon needs a space after it) at the start of a line. */
const KEY = /^[ \t]*(?:export[ \t]+)?([\w.-]+)(?:[ \t]*=|:(?=[ \t]))/;
const QUOTES = new Set(['"', "'", '`']);
const QUOTE_NAMES: Record<string, string> = { '"': 'double quote', "'": 'single quote', '`': 'backtick' };
/** What may follow a closing quote on its line: blanks and a comment. */
const AFTER_QUOTE = /^[ \t]*(?:#.*)?$/;

/** Parses `.env` text; never throws. The last definition of a key wins, as in dotenv. */
export function parseDotenv(text: string, file = '.env'): ParsedDotenv {
  // One line ending for all: \r\n and a lone \r (old Mac files) both end a line, as in dotenv.
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const vars: Record<string, string> = {};
  const warnings: ConfigProblem[] = [];
  let pos = 0;
  let line = 1;
  while (pos < src.length) {
    const end = lineEnd(src, pos);
    const raw = src.slice(pos, end);
    const trimmed = raw.trim();
    let stop = end;
    const key = trimmed === '' || trimmed.startsWith('#') ? null : KEY.exec(raw);
    if (key) {
      const value = readValue(src, pos + key[0].length, end);
      vars[key[1]] = value.value;
      if (value.problem) warnings.push({ file, line, component: '', message: `the value of ${key[1]} ${value.problem}`, hint: value.hint });
      stop = value.stop;
    } else if (trimmed !== '' && !trimmed.startsWith('#')) {
      warnings.push({
        file,
        line,
        component: '',
        message: `skipped line ${JSON.stringify(trimmed)}: not KEY=value`,
        hint: 'write each variable as KEY=value (letters, digits, "_", "." and "-" in the name), or make the line a comment with #',
      });
    }
    for (let i = pos; i < stop; i++) if (src.charCodeAt(i) === 10) line++;
    pos = stop + 1;
    line++;
  }
  return { vars, warnings };
}

interface Value {
  value: string;
  /** The end of the last line the value takes. */
  stop: number;
  problem?: string;
  hint?: string;
}

/**
 * Reads the value that starts at `start` (just after `=`). A quoted value ends at the first closing quote that
 * only blanks or a comment follow on its line (a quote escaped with \ may be that one too, as in dotenv); it
 * may span lines. Otherwise the value is the rest of the line up to `#`, trimmed, with matching outer quotes
 * removed. Only double-quoted values expand \n and \r.
 */
function readValue(src: string, start: number, end: number): Value {
  let j = start;
  while (src[j] === ' ' || src[j] === '\t') j++;
  const quote = src[j];
  let problem: string | undefined;
  let hint: string | undefined;
  if (QUOTES.has(quote)) {
    const escaped: number[] = [];
    let close = -1;
    for (let k = j + 1; k < src.length; k++) {
      if (src[k] === '\\' && src[k + 1] === quote) escaped.push(++k);
      else if (src[k] === quote) {
        close = k;
        break;
      }
    }
    const candidates = close >= 0 ? [close, ...escaped.reverse()] : escaped.reverse();
    for (const c of candidates) {
      const stop = lineEnd(src, c);
      if (!AFTER_QUOTE.test(src.slice(c + 1, stop))) continue;
      const body = src.slice(j + 1, c);
      return { value: quote === '"' ? expandNewlines(body) : body, stop };
    }
    const name = QUOTE_NAMES[quote];
    if (close < 0) {
      problem = `opens a ${name} that is never closed: it is read up to the end of its line, quote included`;
      hint = `add the closing ${quote}`;
    } else {
      problem = `has text after its closing ${name}: the whole line is the value, quotes included`;
      hint = `quote the whole value, or start a comment after the closing ${quote} with " #"`;
    }
  }
  let value = src.slice(start, end);
  const comment = value.indexOf('#');
  if (comment >= 0) value = value.slice(0, comment);
  value = value.trim();
  const first = value[0];
  if (value.length >= 2 && QUOTES.has(first) && value[value.length - 1] === first) value = value.slice(1, -1);
  if (first === '"') value = expandNewlines(value);
  return { value, stop: end, problem, hint };
}

function lineEnd(src: string, from: number): number {
  const end = src.indexOf('\n', from);
  return end < 0 ? src.length : end;
}

function expandNewlines(text: string): string {
  return text.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
}

/** `.env` values never override the real environment: returns env with the missing ones added. */
export function mergeDotenv(env: NodeJS.ProcessEnv, dotenv: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...dotenv };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}
