// The wire format of `drover logs` on the control socket: the request, and the answer as frames of whole lines
// (a header line, then the bytes as drover read them), which the client formats in Heroku's format.
import type { Socket } from 'node:net';
import { isoMicros } from '../pipeline/formats/formats';
import type { Entry } from './log-history';

/** What `drover logs` asks for over the control socket. */
export interface LogsRequest {
  command: 'logs';
  /** How many past lines (at most the history's size). */
  lines: number;
  tail: boolean;
  /** A type (`web`) or an instance (`web.1`). */
  ps?: string;
  /** `app` (the processes' lines) or `drover` (drover's own). */
  source?: 'app' | 'drover';
}

/** A frame: `TIMESTAMP TYPE LOGGER LENGTH\n` then LENGTH bytes of whole lines (see LogsReader). */
export function writeFrame(socket: Socket, entry: Pick<Entry, 'timestamp' | 'type' | 'logger' | 'bytes'>): void {
  socket.write(`${entry.timestamp} ${entry.type} ${encodeURIComponent(entry.logger)} ${entry.bytes.length}\n`);
  socket.write(entry.bytes);
}

/** Reads frames from the socket and gives back lines in Heroku's format: `TIME app[web.1]: line`. */
export class LogsReader {
  private pending = Buffer.alloc(0);

  /** The whole lines of the frames complete so far, formatted. */
  push(data: Buffer): string {
    let buffer = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    let out = '';
    for (;;) {
      const nl = buffer.indexOf(10);
      if (nl < 0) break;
      const [timestamp, type, logger, length] = buffer.subarray(0, nl).toString('latin1').split(' ');
      const end = nl + 1 + Number(length);
      if (buffer.length < end) break;
      const prefix = `${isoMicros(Number(timestamp))} ${type === 'log' ? 'app' : type}[${decodeURIComponent(logger)}]: `;
      const text = buffer.subarray(nl + 1, end).toString('utf8');
      out +=
        prefix +
        text
          .slice(0, -1)
          .split('\n')
          .join('\n' + prefix) +
        '\n';
      buffer = buffer.subarray(end);
    }
    this.pending = Buffer.from(buffer);
    return out;
  }
}

/** The request, when a control-socket line asks for logs. */
export function logsRequest(line: string): LogsRequest | undefined {
  try {
    const request = JSON.parse(line);
    return request?.command === 'logs' ? request : undefined;
  } catch {
    return undefined;
  }
}
