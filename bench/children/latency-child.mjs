// Writes `LAT <monotonic ns> <seq>` lines at a steady rate, one write(2) each, as an app logging would.
// process.hrtime is CLOCK_MONOTONIC, the same clock in every process, so the reader can subtract.
import { writeSync } from 'node:fs';

const rate = Number(process.argv[2] ?? 10_000);
const total = Number(process.argv[3] ?? 20_000);
await new Promise((resolve) => setTimeout(resolve, 300)); // let the supervisor settle before the clock starts
const start = process.hrtime.bigint();
let sent = 0;
function tick() {
  const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - start) / 1e9) * rate));
  for (; sent < due; sent++) writeSync(1, `LAT ${process.hrtime.bigint()} ${sent}\n`);
  if (sent < total) setTimeout(tick, 1);
  else writeSync(1, 'LAT-END\n');
}
tick();
