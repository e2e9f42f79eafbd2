// Entry point of lib/drover.js.
import { main } from './main';
import { keepInspectorClosed } from './signals';
import { loadComponents } from '../pipeline/load-components';
import { loadCroner } from '../config/schedule';

keepInspectorClosed();
// The buildpack makes the slug's code cache with a `drover check` of the app (bin/support/code-cache.cjs): the
// bundles loaded on first use load too, so that an app with a drain or a schedule finds them compiled as well.
if (process.env.DROVER_CODE_CACHE_FOR) {
  loadComponents();
  loadCroner();
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`drover: unexpected error: ${error.stack ?? error}\nPlease report this with the command you ran.\n`);
    process.exitCode = 70;
  },
);
