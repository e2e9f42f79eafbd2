// The syslog output's HOSTNAME option, and a MSG that starts with a BOM but is not UTF-8 (RFC 5424 6.4).
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applySchema } from '../../../src/config/schema';
import { Message } from '../../../src/pipeline/message';
import { syslogOutput } from '../../../src/pipeline/outputs/syslog';
import { line, parseRfc5424, SyslogNg, testContext } from './peers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function options(table: Record<string, unknown>) {
  const { options, problems } = applySchema(syslogOutput.schema, table);
  expect(problems).toEqual([]);
  return options as Record<string, any>;
}

async function send(table: Record<string, unknown>, messages: Message[]) {
  const output = syslogOutput.create(options(table), testContext('outputs.drain', { HEROKU_APP_NAME: 'shop' }));
  for (const m of messages) output.write(m);
  await output.close(Date.now() + 5000);
}

/** A TCP receiver that keeps every byte it is sent, to see the frames exactly as they went out. */
async function rawReceiver(): Promise<{ port: number; bytes: () => Buffer }> {
  const chunks: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (c) => chunks.push(c));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, bytes: () => Buffer.concat(chunks) };
}

/** Splits octet-counted frames (RFC 6587) into their MSG parts, after the header's seven fields. */
function msgsOf(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(32, at);
    const length = Number(bytes.subarray(at, space).toString());
    const frame = bytes.subarray(space + 1, space + 1 + length);
    let fieldEnd = -1;
    for (let k = 0; k < 7; k++) fieldEnd = frame.indexOf(32, fieldEnd + 1);
    out.push(frame.subarray(fieldEnd + 1));
    at = space + 1 + length;
  }
  return out;
}

describe('syslog output header and MSG', () => {
  it('sends the hostname option as the HOSTNAME of every message, and the message host without it', async () => {
    const server = await SyslogNg.start('tcp');
    const url = `syslog+tcp://127.0.0.1:${server.port}`;
    await send({ url, hostname: 'shop-prod' }, [line('one'), line('two', 'worker.1')]);
    await send({ url }, [line('three')]);
    const received = (await server.waitFor(3)).map(parseRfc5424);
    expect(received.map((r) => [r.msg, r.hostname])).toEqual([
      ['one', 'shop-prod'],
      ['two', 'shop-prod'],
      ['three', 'dynohost'],
    ]);
  });

  it('drops the BOM of a MSG that is not valid UTF-8 after it, and keeps it before valid UTF-8', async () => {
    const receiver = await rawReceiver();
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const invalid = Buffer.concat([BOM, Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(' au lait')]);
    const valid = Buffer.concat([BOM, Buffer.from('café')]);
    const plain = Buffer.from([0x61, 0xff, 0x62]);
    const at = (raw: Buffer) => new Message(raw, 'web.1', 'stdout', 1, 'dynohost', Date.UTC(2026, 0, 2));
    await send({ url: `syslog+tcp://127.0.0.1:${receiver.port}` }, [at(invalid), at(valid), at(plain)]);
    for (let k = 0; k < 100 && msgsOf(receiver.bytes()).length < 3; k++) await new Promise((r) => setTimeout(r, 50));
    const msgs = msgsOf(receiver.bytes());
    expect(msgs).toEqual([invalid.subarray(3), valid, plain]);
  });

  it('drops it in UDP datagrams too', async () => {
    const server = await SyslogNg.start('udp');
    const invalid = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0x78]), Buffer.from([0xc3])]);
    await send({ url: `syslog+udp://127.0.0.1:${server.port}` }, [new Message(invalid, 'web.1', 'stdout', 1, 'dynohost')]);
    const received = await server.waitFor(1);
    expect(received.length).toBe(1);
    expect(received[0].includes('\ufeff')).toBe(false);
  });
});
