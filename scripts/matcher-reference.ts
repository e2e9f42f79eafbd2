// The "Match expressions" section of docs/configuration.md; test/docs.test.ts runs its examples table.

/** The message the examples are matched against (a JSON line from web.1 that the json decoder read). */
export const EXAMPLE_MESSAGE = {
  payload: 'GET /health 200',
  logger: 'web.1',
  severity: 6,
  fields: { level: 'info', status: 200, path: '/health', cached: true, code: '200' } as Record<string, string | number | boolean>,
};

/** Examples: expression, and whether it matches EXAMPLE_MESSAGE (or why it is refused). */
export const MATCHER_EXAMPLES: [string, string][] = [
  ["Logger =~ /^web/ && Fields[level] != 'debug'", 'true'],
  ['Severity <= 4', 'false'],
  ['Fields[status] >= 500 || Payload =~ /(?i)health/', 'true'],
  ['Fields[code] == 200', 'false (code is the string "200")'],
  ["Fields[code] == '200'", 'true'],
  ['Fields[status] =~ /200/', 'false (status is a number)'],
  ['Fields[cached] == TRUE', 'true'],
  ["Fields[user] != 'bot'", 'false (there is no user field)'],
  ["Fields[user] == NIL || Fields[user] != 'bot'", 'true'],
  ["Fields[level][0][0] == 'info'", 'true'],
  ['Fields[level][1] == NIL', 'true (one value per name)'],
  ['Payload =~ /\\AGET \\/health\\b/', 'true'],
  ['Payload =~ /^[[:upper:]]+ \\S+ \\d{3}$/', 'true'],
  ["Severity == 'info'", 'refused: Severity is a number'],
  ['Pid =~ /42/', 'refused: Pid is a number'],
  ['Type == NIL', 'refused: NIL is for fields'],
  ['Payload =~ /GET (?=\\/)/', 'refused: RE2 has no lookaround'],
];

const TYPES = [
  '| Variable | Type | What it is |',
  '| --- | --- | --- |',
  "| `Type` | string | `log` for app output, `drover` for drover's own lines, or what a decoder set |",
  '| `Logger` | string | the instance that printed the line, e.g. `web.1` |',
  '| `Payload` | string | the line (or what a decoder made of it) |',
  '| `Hostname` | string | the host the supervisor runs on |',
  '| `Stream` | string | `stdout` or `stderr` (drover only: Heka has no Stream) |',
  '| `Severity` | number | 0 (emerg) to 7 (debug): 6 for stdout, 3 for stderr, until a decoder reads a level |',
  '| `Pid` | number | the process id of the instance |',
  '| `Timestamp` | number | nanoseconds since the epoch, as in Heka |',
  "| `Fields[name]` | the field's own: string, number or boolean | what a decoder read; absent until one did |",
];

/** The section, as Markdown lines. */
export function matcherSection(): string[] {
  return [
    '## Match expressions',
    '',
    "Every `match` option takes Heka's message matcher, with Heka's grammar, types and regular expressions (Go's RE2). A rule copied from a Heka configuration does the same thing here, or `drover check` refuses it with the file, line, column and what to write instead.",
    '',
    '```text',
    'expression := term { ("&&" | "||") term }        && binds tighter than ||',
    'term       := "(" expression ")" | TRUE | FALSE | comparison',
    'comparison := variable op value                  op: == != < <= > >=  =~ !~',
    'variable   := Type | Logger | Payload | Hostname | Stream | Severity | Pid | Timestamp | Fields[name][i][j]',
    'value      := \'string\' | "string" | number | /regular expression/ | TRUE | FALSE | NIL',
    '```',
    '',
    ...TYPES,
    '',
    "**Types.** A string variable compares with a string (`== != < <= > >=`, by character code) or a regular expression (`=~ !~`); a number variable only with a number. Anything else is an error at build time: `Severity != 'x'` and `Pid =~ /6/` are refused with the column and the type expected. A field compares by the type its value has, as in Heka: a string field is never equal, less or greater than a number (`Fields[code] == 200` is false when code is the string `\"200\"`), a number field never matches a regular expression, and a boolean field is tested with `== TRUE` or `== FALSE`. The json decoder keeps JSON numbers as numbers; the regex and logfmt decoders make text, unless the regex decoder's `numbers` option names the group.",
    '',
    "**Literals.** Strings take single or double quotes; a backslash before the opening quote is that quote, and any other backslash stays as written (`'a\\b'` is the three characters a, \\, b). Numbers are Heka's: digits with an optional fraction and exponent, `42`, `0.5`, `.5`, `6e1`, no sign (`Severity == -1` is refused). `Fields[name]` takes everything between the brackets as the name, with no quotes; `Fields[name][i][j]` picks the i-th field of that name and the j-th value in it. drover's fields hold one value per name, so any index but 0 is an absent field.",
    '',
    "**Absent fields and NIL.** As in Heka, a comparison with a field the message does not have is false, whatever the operator, except `Fields[name] == NIL`; `Fields[name] != NIL` tests that it is there. So `Fields[level] != 'debug'` does not match lines that have no level at all: to take them too, write `Fields[level] == NIL || Fields[level] != 'debug'`. NIL is only for fields, with `==` and `!=`.",
    '',
    "**Regular expressions** between slashes use RE2's syntax, as in Heka (`\\/` is a slash; a `/` inside `[...]` does not end the expression): `\\A` and `\\z`, `^` and `$`, POSIX classes such as `[[:alpha:]]`, `\\d \\s \\w` (ASCII, as in RE2), flag groups `(?i)`, `(?i:...)`, `(?s)`, `(?m)`, `(?U)`, groups `(?P<name>...)` and `(?<name>...)`, `\\Q...\\E`, counts up to `{1000}`, octal and `\\x{...}` escapes. What RE2 does not have is refused with its column: lookaround `(?=`, `(?!`, `(?<=`, `(?<!`, backreferences `\\1`, `\\Z`, unknown escapes such as `\\y`, nested repetition `a**`. The regex decoder's `pattern`, the multiline filter's `start` and `continuation` and the redact filter's `patterns` use the same dialect (redact keeps a prefix with a group `(?P<secret>...)` where JavaScript would use lookbehind).",
    '',
    '**Linear time.** No line can make a regular expression run longer than in proportion to its length. A pattern runs on V8\'s fast backtracking engine when that is linear by construction: when it has no variable repetition (`*`, `+`, `?`, `{n,m}`), or when at each repetition and each `|` the next character tells which way can succeed (the repetition\'s characters cannot start what follows it; branches start differently) and the pattern is anchored with `^`/`\\A` or starts with characters no repetition takes (`"[^"]*"`, `error|warn(ing)?`). Every other pattern runs on V8\'s linear-time engine (switched on at start, on Node 18 to 24): it never backtracks, but is 20 to 100 times slower (about 100,000 lines/s of 110 bytes here; see BENCHMARKS.md), and `drover check` notes which patterns it takes. `^(a+)+$` against forty a\'s and a `!` returns in a millisecond. To stay on the fast engine, end each repetition with a character it cannot take: `(?<path>[^ "]+)(?: [^"]*)?"` rather than `(?<path>\\S+)[^"]*"`.',
    '',
    '**Where drover differs from Heka**, each on purpose or for want of the data:',
    '',
    "- `Uuid` and `EnvVersion` are refused: drover's messages do not have them.",
    "- One value per field name: `Fields[foo][1]` and `Fields[int][0][1]` are absent (Heka's messages can repeat a field and hold arrays).",
    "- `Stream` is drover's own variable. Newlines between tokens are spaces (Heka ends the expression at a newline), and a `/` inside `[...]` does not end a regular expression (Heka ends it there).",
    "- A number Heka's lexer would read as 0 after a parse error (`1.2.3`, `1e`) is refused.",
    '- Regular expressions: Unicode classes `\\p{...}` are refused; `.` and classes count a character beyond U+FFFF (an emoji) as two, and a class may not name one; text anchors (`\\A`, `\\z`, `^`/`$` without `(?m)`) and `(?m)` line anchors cannot be mixed in one expression; in `(?m)` mode CR, U+2028 and U+2029 also end a line; a named group may not sit inside a counted repetition such as `{8}` in the regex decoder.',
    "- Strings compare by UTF-16 code unit, Heka's by UTF-8 byte: the order differs only between characters above U+FFFF and those from U+E000 to U+FFFF.",
    '',
    `Examples, against a line \`${EXAMPLE_MESSAGE.payload}\` from \`${EXAMPLE_MESSAGE.logger}\` (Severity ${EXAMPLE_MESSAGE.severity}) whose decoded fields are \`${JSON.stringify(EXAMPLE_MESSAGE.fields)}\`:`,
    '',
    '| Expression | Result |',
    '| --- | --- |',
    ...MATCHER_EXAMPLES.map(([expression, result]) => `| \`${expression.replace(/\|/g, '\\|')}\` | ${result} |`),
    '',
  ];
}
