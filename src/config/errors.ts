// Configuration problems, collected rather than thrown, so that one run reports all of them.

/** Where a value came from: a fragment file and a 1-based line (0 when unknown). */
export interface Origin {
  file: string;
  line: number;
}

/** One problem found in a Procfile, a `.env` or a TOML fragment. */
export interface ConfigProblem {
  file: string;
  line: number;
  /** 1-based column in the line, when known (a cron field). */
  column?: number;
  /** e.g. `outputs.papertrail`, or '' for a problem that belongs to no component. */
  component: string;
  message: string;
  /** What the user can do about it. */
  hint?: string;
}

/** Renders a problem as `file:line: [component] message` plus an indented hint. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}${problem.column ? `:${problem.column}` : ''}` : problem.file;
  const component = problem.component ? ` [${problem.component}]` : '';
  const hint = problem.hint ? `\n    hint: ${problem.hint}` : '';
  return `${where}:${component} ${problem.message}${hint}`;
}

/** Thrown by commands that cannot go on because the configuration is invalid. */
export class ConfigInvalidError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `The configuration has ${problems.length} error${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => '  ' + formatProblem(p).replace(/\n/g, '\n  ')).join('\n'),
    );
    this.name = 'ConfigInvalidError';
  }
}
