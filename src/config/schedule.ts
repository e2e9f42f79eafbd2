// `schedule`, `timezone`, `overlap` and `timeout` of a scheduled process type: parsed with croner (a maintained
// cron library, bundled into lib/drover-cron.js), and checked so that `drover check` names the column of a mistake.
import type { Cron as CronType } from 'croner';
import { parseDuration } from './units';

/**
 * croner, loaded when a schedule is first read: most apps have none, and every start would pay for it. In
 * lib/drover.js, require('croner') loads lib/drover-cron.js (scripts/build.mjs): in the same file, a function that
 * is never called still costs its share of reading the file and of V8's code cache at every start.
 */
export function loadCroner(): typeof import('croner') {
  return require('croner') as typeof import('croner');
}

function Cron(...args: ConstructorParameters<typeof CronType>): CronType {
  return new (loadCroner().Cron)(...args) as CronType;
}

/** What a schedule says: cron fields, or a fixed interval (`@every 10m`). */
export type Schedule = { kind: 'cron'; cron: CronType; text: string } | { kind: 'every'; intervalMs: number; text: string };

/** A mistake in a schedule: the message, and the 1-based column in the expression where it is. */
export interface ScheduleError {
  message: string;
  column: number;
}

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const FIELD_NAMES_5 = ['minute', 'hour', 'day of month', 'month', 'day of week'];
const FIELD_NAMES_6 = ['second', ...FIELD_NAMES_5];

/** Parses a schedule for `timezone` (IANA name); throws a ScheduleError naming the column. */
export function parseSchedule(text: string, timezone: string): Schedule {
  const trimmed = text.trim();
  const lead = text.length - text.trimStart().length;
  const every = /^@every\s+(\S+)$/i.exec(trimmed);
  if (every) {
    const ms = parseDuration(every[1]);
    if (ms === undefined || ms < 1000)
      throw scheduleError(`"${every[1]}" is not an interval of at least 1s, e.g. @every 10m`, lead + trimmed.indexOf(every[1]) + 1);
    return { kind: 'every', intervalMs: ms, text };
  }
  if (trimmed.startsWith('@')) {
    if (!NICKNAMES.includes(trimmed.toLowerCase()))
      throw scheduleError(`unknown "${trimmed}": expected one of ${NICKNAMES.join(', ')}, or @every DURATION`, lead + 1);
    return { kind: 'cron', cron: Cron(trimmed.toLowerCase(), { timezone, paused: true }), text };
  }
  const fields: { text: string; column: number }[] = [];
  for (const match of text.matchAll(/\S+/g)) fields.push({ text: match[0], column: match.index! + 1 });
  if (fields.length !== 5 && fields.length !== 6) {
    throw scheduleError(
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got ${fields.length}`,
      fields[Math.min(fields.length, 6)]?.column ?? lead + 1,
    );
  }
  const names = fields.length === 5 ? FIELD_NAMES_5 : FIELD_NAMES_6;
  // croner names the field, not where it is: try each field alone (the others `*`) to find the column.
  for (let i = 0; i < fields.length; i++) {
    const alone = fields.map((f, j) => (j === i ? f.text : '*')).join(' ');
    try {
      Cron(alone, { paused: true });
    } catch (error) {
      throw scheduleError(`invalid ${names[i]} "${fields[i].text}" (${cronMessage(error)})`, fields[i].column);
    }
  }
  try {
    const cron = Cron(fields.map((f) => f.text).join(' '), { timezone, paused: true });
    return { kind: 'cron', cron, text };
  } catch (error) {
    throw scheduleError(cronMessage(error), fields[0].column);
  }
}

/** The next run after `after` (ms since the epoch): undefined when the schedule has no more runs. */
export function nextRun(schedule: Schedule, after: number, startedAt: number): number | undefined {
  if (schedule.kind === 'every') return startedAt + (Math.floor((after - startedAt) / schedule.intervalMs) + 1) * schedule.intervalMs;
  return schedule.cron.nextRun(new Date(after))?.getTime();
}

/** True when `name` is a time zone this Node.js knows (IANA names such as Europe/Berlin, or UTC). */
export function isTimeZone(name: string): boolean {
  // The default, known without asking ICU: an Intl.DateTimeFormat with a time zone loads ICU's zone data, 8 MiB
  // of RSS for the whole run, which every start of an app without a schedule would pay at config load.
  if (name === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The problems of a process type's scheduling options, for `drover check`; `column` is within the schedule. */
export function checkScheduleOptions(options: {
  schedule?: string;
  timezone: string;
  timeout: number;
  overlap: string;
}): { key: string; message: string; hint: string; column?: number }[] {
  const problems: { key: string; message: string; hint: string; column?: number }[] = [];
  if (!isTimeZone(options.timezone))
    problems.push({
      key: 'timezone',
      message: `option "timezone" must be an IANA time zone such as "Europe/Berlin" or "UTC", got "${options.timezone}"`,
      hint: 'see the TZ identifiers of the tz database',
    });
  if (options.schedule === undefined) return problems;
  try {
    parseSchedule(options.schedule, isTimeZone(options.timezone) ? options.timezone : 'UTC');
  } catch (error) {
    if (!(error instanceof Error && 'column' in error)) throw error;
    const column = (error as Error & ScheduleError).column;
    problems.push({
      key: 'schedule',
      column,
      message: `option "schedule" = "${options.schedule}", column ${column}: ${error.message}`,
      hint: 'a 5-field cron expression ("0 3 * * *"), 6 fields with seconds first ("*/10 * * * * *"), @hourly, @daily, @weekly, @monthly, @yearly, or @every 10m',
    });
  }
  return problems;
}

function scheduleError(message: string, column: number): Error & ScheduleError {
  return Object.assign(new Error(message), { column });
}

function cronMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
}
