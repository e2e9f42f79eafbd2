// `.env` parsing, compatible with foreman and dotenv: KEY=value, `export ` prefix, quotes, comments.
import type { ConfigProblem } from './errors';

export interface ParsedDotenv {
  vars: Record<string, string>;
  problems: ConfigProblem[];
}

const KEY = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/** Parses `.env` text. Double quotes may span lines and take escapes; single quotes are literal. */
export function parseDotenv(text: string, file = '.env'): ParsedDotenv {
  const vars: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i];
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const key = KEY.exec(trimmed);
    if (!key) {
      problems.push({ file, line, component: '', message: `cannot parse line ${JSON.stringify(trimmed)}`, hint: 'write each variable as KEY=value' });
      continue;
    }
    let rest = trimmed.slice(key[0].length);
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may continue on the following lines until its closing quote.
      let body = rest.slice(1);
      let end = findClosingQuote(body, quote);
      let j = i;
      while (end < 0 && j + 1 < lines.length) {
        j++;
        body += '\n' + lines[j];
        end = findClosingQuote(body, quote);
      }
      if (end < 0) {
        problems.push({ file, line, component: '', message: `the value of ${key[1]} opens a ${quote === '"' ? 'double' : 'single'} quote that is never closed`, hint: `add the closing ${quote}` });
        break;
      }
      i = j;
      const value = body.slice(0, end);
      vars[key[1]] = quote === '"' ? value.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all) : value;
      continue;
    }
    // Unquoted: an inline comment starts at ` #`.
    const comment = rest.search(/[ \t]#/);
    if (comment >= 0) rest = rest.slice(0, comment);
    vars[key[1]] = rest.trim();
  }
  return { vars, problems };
}

function findClosingQuote(body: string, quote: string): number {
  for (let k = 0; k < body.length; k++) {
    if (quote === '"' && body[k] === '\\') {
      k++;
      continue;
    }
    if (body[k] === quote) return k;
  }
  return -1;
}

/** `.env` values never override the real environment: returns env with the missing ones added. */
export function mergeDotenv(env: NodeJS.ProcessEnv, dotenv: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...dotenv };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}
