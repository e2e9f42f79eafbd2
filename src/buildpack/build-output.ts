// Build output in Heroku's style, with fixed levels: steps, indented details, warnings and error blocks.
import type { Writable } from 'node:stream';

/** Thrown by a build step to stop the build with an error block; main() prints it and exits 1. */
export class BuildError extends Error {
  constructor(
    /** One line: what failed. */
    readonly title: string,
    /** Why, in as many lines as it takes (every configuration error, for example). */
    readonly reasons: string[],
    /** What the user can do about it. */
    readonly fix: string[],
  ) {
    super(title);
    this.name = 'BuildError';
  }
}

/** Writes the build's output. Every line goes through one of four levels, so the style cannot drift. */
export class Output {
  private readonly started = Date.now();

  constructor(
    private readonly out: Pick<Writable, 'write'> = process.stdout,
    private readonly err: Pick<Writable, 'write'> = process.stderr,
  ) {}

  /** `-----> Installing drover`: a step of the build. */
  step(text: string): void {
    this.out.write(`-----> ${text}\n`);
  }

  /** A detail of the current step, indented by 7 spaces (each line of a multi-line text). */
  detail(text: string): void {
    this.out.write(indent(text, '       '));
  }

  /** ` !     text`: something the user should know that does not fail the build. */
  warn(text: string): void {
    this.out.write(indent(text, ' !     '));
  }

  /** An error block on stderr: a header, the cause, then what to do. */
  error(e: BuildError): void {
    const lines = [`ERROR: ${e.title}`, '', ...e.reasons, '', ...e.fix];
    this.err.write(`\n${indent(lines.join('\n'), ' !     ').replace(/ ! {5}\n/g, ' !\n')}\n`);
  }

  /** Time since this output was made, for "Done in 0.4 s" (milliseconds below a second). */
  elapsed(): string {
    const ms = Date.now() - this.started;
    return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
  }
}

function indent(text: string, prefix: string): string {
  return (
    text
      .split('\n')
      .map((l) => prefix + l)
      .join('\n') + '\n'
  );
}

/** `1.2 MB`, `340 KB`: sizes in build output. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
