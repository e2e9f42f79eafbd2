// The buildpack's dispatcher: `node lib/buildpack.js ENTRYPOINT ARGS...`, run by the bin/ shims.
// detect and release are bash scripts (no Node.js is needed, or downloaded, just to look at the app).
import { cnbBuild } from './cnb-build';
import { compile } from './compile';
import { finalize } from './finalize';
import { BuildError, Output } from './build-output';
import { supply } from './supply';

const entrypoints: Record<string, (out: Output, args: string[]) => void> = { compile, supply, finalize, build: cnbBuild };

/** Runs one entrypoint and resolves to the exit status: 0, or 1 after an error block. */
export function main(argv: string[], out = new Output()): number {
  const [name, ...args] = argv;
  const entrypoint = name ? entrypoints[name] : undefined;
  if (!entrypoint) {
    out.error(
      new BuildError(
        `unknown buildpack entrypoint "${name ?? ''}"`,
        [`expected one of: ${Object.keys(entrypoints).join(', ')}`],
        ['Run the scripts in bin/, which pass their own name.'],
      ),
    );
    return 2;
  }
  try {
    entrypoint(out, args);
    return 0;
  } catch (error) {
    if (error instanceof BuildError) {
      out.error(error);
      return 1;
    }
    const e = error as Error;
    out.error(
      new BuildError(`drover's ${name} failed unexpectedly`, (e.stack ?? String(e)).split('\n'), [
        'This is a bug in drover: please report it with the output above.',
      ]),
    );
    return 70;
  }
}
