// Input files for the pipe workloads, written once per bench run and shared by every tool.
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The last line of every input: a reader that sees it has seen everything before it. */
export const SENTINEL = 'BENCH-END';

/** Full runs pass 2,000,000 lines (issue 4); --quick a tenth. */
export function lineCount(ctx) {
  return Math.round(2_000_000 * ctx.scale);
}

// ~100 bytes of plain text, numbered so a reader could check order.
function plainLine(i) {
  return `${new Date(1_700_000_000_000 + i).toISOString()} line ${String(i).padStart(9, '0')} GET /api/items status=200 bytes=5120 ok\n`;
}

// ~100 bytes of JSON; one line in four is debug, so the drop filter has work to do.
function jsonLine(i) {
  const level = i % 4 === 0 ? 'debug' : 'info';
  return `{"level":"${level}","msg":"request handled","i":${i},"path":"/api/items/${i % 997}","ms":${i % 50},"ok":true}\n`;
}

function write(path, count, line, last) {
  const fd = openSync(path, 'w');
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += line(i);
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk + last);
  closeSync(fd);
  return path;
}

/** The plain-text input (lines of ~100 bytes, then the sentinel), created on first use. */
export function plainFile(ctx) {
  const path = join(ctx.tmp, `plain-${lineCount(ctx)}.txt`);
  return existsSync(path) ? path : write(path, lineCount(ctx), plainLine, `${SENTINEL}\n`);
}

/** The JSON input (a quarter of it debug), ending in an info line that carries the sentinel. */
export function jsonFile(ctx) {
  const path = join(ctx.tmp, `json-${lineCount(ctx)}.txt`);
  return existsSync(path) ? path : write(path, lineCount(ctx), jsonLine, `{"level":"info","msg":"${SENTINEL}"}\n`);
}
