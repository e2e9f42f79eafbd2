// Entry point of lib/buildpack.js (see main.ts).
import { main } from './main';

process.exitCode = main(process.argv.slice(2));
