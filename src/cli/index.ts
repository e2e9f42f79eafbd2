// Entry point of lib/drover.js.
import { main } from './main';
import { keepInspectorClosed } from './signals';

keepInspectorClosed();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`drover: unexpected error: ${error.stack ?? error}\nPlease report this with the command you ran.\n`);
    process.exitCode = 70;
  },
);
