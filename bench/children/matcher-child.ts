// Matcher benchmark child (bundled by bench/workloads/matcher.mjs): one engine, lines per second for each rule.
// argv: engine (drover | backtracking | linear | re2-wasm), seconds per rule. Prints one JSON line.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compileMatcher } from '../../src/pipeline/matcher/matcher';
import { Message } from '../../src/pipeline/message';
import { RegexDecoder } from '../../src/pipeline/decoders/regex';
import { compileRe2 } from '../../src/pipeline/matcher/re2';

const [engine, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 1);

export const TYPICAL = "Logger =~ /^web/ && Fields[level] != 'debug'";
export const HEAVY = 'Payload =~ /"(GET|POST) \\/api\\/[a-z]+\\/\\d+ HTTP\\/1\\.[01]" 5\\d\\d /';
const HEAVY_RE2 = '"(GET|POST) /api/[a-z]+/\\d+ HTTP/1\\.[01]" 5\\d\\d ';
/** The regex decoder's example: each repetition ends where the next part starts, so it runs on the fast engine. */
export const NGINX = '^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>[^ "]+)(?: [^"]*)?" (?<status>\\d{3}) (?<bytes>\\d+)';
/** The common form, where (?<path>\\S+)[^"]* can split a path two ways: the linear-time engine. */
export const NGINX_AMBIGUOUS = '^(?<ip>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+)[^"]*" (?<status>\\d{3}) (?<bytes>\\d+)';

// 10,000 access-log lines from four loggers, a quarter of them at debug.
const messages: Message[] = [];
for (let i = 0; i < 10_000; i++) {
  const line = `127.0.0.${i % 250} - - [10/Oct/2000:13:55:${String(i % 60).padStart(2, '0')} -0700] "${i % 3 ? 'GET' : 'POST'} /api/items/${i} HTTP/1.1" ${i % 7 ? 200 : 503} ${i * 13} "-" "curl/7.${i % 90}"`;
  const m = new Message(Buffer.from(line), ['web.1', 'web.2', 'worker.1', 'clock.1'][i % 4], 'stdout', 100 + (i % 4), 'host', 1_700_000_000_000 + i);
  m.fields = { level: i % 4 === 1 ? 'debug' : 'info', n: i };
  m.payload; // decoded once, as the splitter's text would be
  messages.push(m);
}

/** Lines per second of `test` over the messages, for about `seconds`. */
function rate(test: (m: Message) => unknown): number {
  for (const m of messages) test(m); // warm-up
  let lines = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let hits = 0;
  while (process.hrtime.bigint() - start < budget) {
    for (const m of messages) if (test(m)) hits++;
    lines += messages.length;
  }
  if (hits < 0) console.log(hits);
  return lines / (Number(process.hrtime.bigint() - start) / 1e9);
}

function regexFor(pattern: string, captures: boolean): (text: string) => RegExpExecArray | string[] | null {
  if (engine === 're2-wasm') {
    // Measured only when installed (`npm i --no-save re2-wasm`): it is not one of drover's dependencies.
    // Resolved from the project (the working directory), as this bundle runs from a temporary directory.
    const { RE2 } = createRequire(join(process.cwd(), 'package.json'))('re2-wasm');
    const re = new RE2(pattern, 'u');
    return (text) => re.exec(text);
  }
  const { source } = compileRe2(pattern, captures);
  const re = new RegExp(source, engine === 'linear' ? 'l' : '');
  return (text) => re.exec(text);
}

const result: Record<string, number> = {};
if (engine === 'drover') {
  const typical = compileMatcher(TYPICAL);
  result.typical = rate(typical);
  const heavy = compileMatcher(HEAVY);
  result.heavy = rate(heavy);
  for (const [key, pattern] of [['decoder', NGINX], ['ambiguous', NGINX_AMBIGUOUS]]) {
    const decoder = new RegexDecoder({ pattern, flags: '', severity_group: 'level', timestamp_group: 'time', message_group: 'message', numbers: ['status', 'bytes'] });
    result[key] = rate((m) => {
      m.fields = undefined;
      decoder.decode(m);
      return m.fields;
    });
  }
} else {
  const heavy = regexFor(HEAVY_RE2, false);
  result.heavy = rate((m) => heavy(m.payload) !== null);
  const nginx = regexFor(NGINX, true);
  result.decoder = rate((m) => nginx(m.payload));
  const ambiguous = regexFor(NGINX_AMBIGUOUS, true);
  result.ambiguous = rate((m) => ambiguous(m.payload));
}
console.log(JSON.stringify(result));
