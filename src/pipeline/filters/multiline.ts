// `multiline` filter: joins a stack trace (or any continuation lines) to the line that started it, per process,
// so a drain receives one message per exception instead of forty.
import { defineComponent, type ComponentContext, type Filter } from '../component';
import { Message } from '../message';
import type { Schema } from '../../config/schema';
import { compileRe2, Re2SyntaxError } from '../matcher/re2';

/** Indented lines, Java's "Caused by:" and "... 12 more": what most stack traces continue with. */
export const DEFAULT_CONTINUATION = '^(\\s|Caused by:|\\.\\.\\. \\d+ (more|common frames omitted))';

const schema: Schema = {
  continuation: {
    type: 'string',
    default: DEFAULT_CONTINUATION,
    doc: 'a regular expression (RE2 syntax, as in match expressions) for lines that continue the previous one; the default takes indented lines and Java\'s "Caused by:" and "... N more"',
  },
  start: {
    type: 'string',
    default: '',
    doc: 'a regular expression (RE2 syntax) for lines that start a message, e.g. "^\\\\d{4}-\\\\d{2}-\\\\d{2}"; when set, every other line continues the previous one and `continuation` is ignored',
  },
  timeout: {
    type: 'duration',
    default: '200ms',
    doc: 'a group is passed on once its process prints nothing more for this long (a line can only be known to be the last one by waiting)',
  },
  max_lines: { type: 'integer', default: 500, min: 2, doc: 'lines in one group at most; the next line starts a new group' },
  max_bytes: { type: 'size', default: '64KB', doc: 'bytes in one group at most; the next line starts a new group' },
  separator: { type: 'string', default: '\n', doc: 'what joins the lines of a group; outputs that write one line per message may want " | " or "\\u2028"' },
};

interface Group {
  first: Message;
  parts: Buffer[];
  bytes: number;
  /** Set when a line joins; a tick that finds it unset releases the group. */
  touched: boolean;
}

/** Holds each process's last line until the next shows whether it continues; one timer for all processes. */
export class MultilineFilter implements Filter {
  private readonly groups = new Map<string, Group>();
  private readonly continuation: RegExp | undefined;
  private readonly start: RegExp | undefined;
  private readonly separator: Buffer;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Record<string, any>,
    private readonly context: ComponentContext,
  ) {
    // RE2 syntax, matched in linear time like the matcher's: no line can stall drover here either.
    if (options.start) this.start = compileRe2(options.start).re;
    else this.continuation = compileRe2(options.continuation).re;
    this.separator = Buffer.from(options.separator, 'utf8');
  }

  process(message: Message): Message | undefined {
    const group = this.groups.get(message.logger);
    const continues = this.start ? !this.start.test(message.payload) : this.continuation!.test(message.payload);
    if (
      group &&
      continues &&
      group.parts.length < this.options.max_lines &&
      group.bytes + this.separator.length + message.raw.length <= this.options.max_bytes
    ) {
      group.parts.push(message.raw);
      group.bytes += this.separator.length + message.raw.length;
      group.touched = true;
      return undefined;
    }
    this.groups.set(message.logger, { first: message, parts: [message.raw], bytes: message.raw.length, touched: true });
    if (this.timer === undefined) this.startTimer();
    return group ? this.join(group) : undefined;
  }

  /** Releases the groups that saw no line since the last tick. */
  tick(): void {
    for (const [logger, group] of this.groups) {
      if (group.touched) group.touched = false;
      else {
        this.groups.delete(logger);
        this.context.emit(this.join(group));
      }
    }
    if (this.groups.size === 0) this.stopTimer();
  }

  /** On shutdown: everything held goes on. */
  flush(): void {
    const held = [...this.groups.values()];
    this.groups.clear();
    for (const group of held) this.context.emit(this.join(group));
    this.stopTimer();
  }

  close(): void {
    this.stopTimer();
  }

  /** One message for the group: the first line's own when it is alone, else a new one with the lines joined. */
  private join(group: Group): Message {
    const first = group.first;
    if (group.parts.length === 1) return first;
    const pieces: Buffer[] = [];
    for (const part of group.parts) {
      if (pieces.length) pieces.push(this.separator);
      pieces.push(part);
    }
    const joined = new Message(Buffer.concat(pieces, group.bytes), first.logger, first.stream, first.pid, first.hostname, first.timestamp, first.type);
    joined.severity = first.severity;
    joined.fields = first.fields;
    joined.rewritten = true;
    return joined;
  }

  private startTimer(): void {
    // Ticking at half the timeout releases a quiet group between timeout/2 and timeout after its last line.
    this.timer = setInterval(() => this.tick(), Math.max(5, this.options.timeout / 2));
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The `multiline` filter. */
export const multilineFilter = defineComponent({
  kind: 'filters',
  type: 'multiline',
  summary: 'Joins continuation lines (stack traces) to the line they belong to, per process.',
  schema,
  example: '[filters.traces]\ntype = "multiline"\nmatch = "Logger =~ /^web/"\n# start = \'^\\d{4}-\\d{2}-\\d{2} \'\ntimeout = "200ms"',
  check(options) {
    const problems = [re2Problem('continuation', options.continuation), options.start ? re2Problem('start', options.start) : undefined].filter(
      (p) => p !== undefined,
    );
    if (options.timeout <= 0)
      problems.push({ key: 'timeout', message: `option "timeout" must be longer than 0, got ${options.timeout}ms`, hint: 'e.g. "200ms"' });
    return problems;
  },
  create: (options, context) => new MultilineFilter(options, context),
});

/** The problem with an RE2 pattern option, naming the option, the value and the column; undefined when valid. */
function re2Problem(key: string, source: string): { key: string; message: string; hint?: string } | undefined {
  try {
    compileRe2(source);
    return undefined;
  } catch (error) {
    if (!(error instanceof Re2SyntaxError)) throw error;
    return {
      key,
      message: `option "${key}" must be a valid RE2 regular expression, got ${JSON.stringify(source)}: ${error.message} at column ${error.offset + 1}`,
      hint: error.hint ?? 'RE2 syntax, as in match expressions (no lookaround or backreferences); in TOML, single-quoted strings keep backslashes as written',
    };
  }
}
