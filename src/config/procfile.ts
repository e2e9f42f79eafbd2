// Procfile parsing, compatible with foreman and honcho: `name: command`, `#` comments, blank lines.
import type { ConfigProblem } from './errors';

/** One process type, in Procfile order. */
export interface ProcessType {
  name: string;
  command: string;
  line: number;
}

export interface ParsedProcfile {
  types: ProcessType[];
  problems: ConfigProblem[];
}

const LINE = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$/;

/** Parses Procfile text; every malformed or duplicate line becomes a problem, none is skipped silently. */
export function parseProcfile(text: string, file = 'Procfile'): ParsedProcfile {
  const types: ProcessType[] = [];
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = LINE.exec(trimmed);
    if (!match) {
      const hint = trimmed.includes(':')
        ? 'process type names may use only letters, digits, "_" and "-"'
        : 'write each process type as `name: command`, e.g. `web: node server.js`';
      problems.push({ file, line, component: '', message: `cannot parse line ${JSON.stringify(trimmed)}`, hint });
      return;
    }
    const [, name, command] = match;
    if (command.trim() === '') {
      problems.push({ file, line, component: `processes.${name}`, message: `process type "${name}" has no command`, hint: `write a command after "${name}:"` });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ file, line, component: `processes.${name}`, message: `process type "${name}" is defined twice (first on line ${first})`, hint: 'keep one line per process type' });
      return;
    }
    seen.set(name, line);
    types.push({ name, command: command.trim(), line });
  });
  return { types, problems };
}
