// Procfile parsing, as lenient as foreman, honcho and Heroku: `name: command` lines are types; comments, blank
// lines, lines of another shape and types with no command are skipped (with a warning naming the line).
import type { ConfigProblem } from './errors';

/** One process type, in Procfile order. */
export interface ProcessType {
  name: string;
  command: string;
  line: number;
}

export interface ParsedProcfile {
  types: ProcessType[];
  /** Lines skipped or overridden: never fatal, since the platforms skip them too (`drover check --strict` may refuse). */
  warnings: ConfigProblem[];
}

const LINE = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$/;

/**
 * Parses Procfile text. A line that is not `name: command` or has no command is skipped with a warning; a type
 * defined again takes the later command (as Heroku does) at the place of the first, so that ports stay put.
 */
export function parseProcfile(text: string, file = 'Procfile'): ParsedProcfile {
  const types: ProcessType[] = [];
  const warnings: ConfigProblem[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = LINE.exec(trimmed);
    if (!match) {
      const hint = trimmed.includes(':')
        ? 'process type names may use only letters, digits, "_" and "-"; make it a comment with # if it is not a type'
        : 'write each process type as `name: command`, e.g. `web: node server.js`, or make the line a comment with #';
      warnings.push({ file, line, component: '', message: `skipped line ${JSON.stringify(trimmed)}: not a process type`, hint });
      return;
    }
    const [, name, command] = match;
    if (command.trim() === '') {
      warnings.push({
        file,
        line,
        component: `processes.${name}`,
        message: `skipped process type "${name}": it has no command`,
        hint: `write a command after "${name}:", or remove the line`,
      });
      return;
    }
    const earlier = types.find((t) => t.name === name);
    if (earlier) {
      warnings.push({
        file,
        line,
        component: `processes.${name}`,
        message: `process type "${name}" is defined again (first on line ${earlier.line}): this later command wins, as on Heroku`,
        hint: 'keep one line per process type',
      });
      earlier.command = command.trim();
      return;
    }
    types.push({ name, command: command.trim(), line });
  });
  return { types, warnings };
}
