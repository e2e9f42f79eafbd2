// The http input against curl: text lines and NDJSON answered 204, a 10 MB body and bad requests a 4xx with the reason.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DROVER, drover, jsonLines, JSON_STDOUT, killLeftovers, startDrover, tempDir, TEST_MARK, waitForLine } from '../../helpers';
import { spawn } from 'node:child_process';

afterEach(async () => {
  await new Promise((r) => setTimeout(r, 100));
  expect(killLeftovers()).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Line = Record<string, unknown>;
const httpLines = (output: string) => jsonLines(output).filter((l) => l.type === 'http') as unknown as Line[];

async function httpApp(options = '') {
  const port = await freePort();
  const dir = tempDir({
    Procfile: 'web: sleep 600\n',
    'drover/inputs.toml': `[inputs.posted]\ntype = "http"\naddress = "127.0.0.1:${port}"\n${options}\n`,
    'drover/out.toml': JSON_STDOUT,
  });
  const child = startDrover(dir, [], { DROVER_SOCKET: join(dir, 'control.sock') });
  await waitForLine(child, /State changed from starting to up/);
  return { dir, child, url: `http://127.0.0.1:${port}/logs` };
}

/** curl: the status of its answer, and the body (the reason, for a 4xx). */
async function curl(args: string[], input?: string) {
  const result = await execa('curl', ['-sS', '-w', '\n%{http_code}', ...args], { reject: false, input });
  const at = result.stdout.lastIndexOf('\n');
  return { status: Number(result.stdout.slice(at + 1)), body: result.stdout.slice(0, Math.max(at, 0)) + result.stderr };
}

describe('http input', () => {
  it('takes text lines and NDJSON objects (fields, level, message, logger from the JSON) with 204', async () => {
    const { child, url } = await httpApp();
    const text = await curl(['--data-binary', '@-', '-H', 'Content-Type: text/plain', url], 'first line\nsecond, CRLF\r\nthird without newline');
    const ndjson = await curl(
      ['--data-binary', '@-', '-H', 'Content-Type: application/x-ndjson', url],
      '{"level":"warn","msg":"disk low","disk":{"free_gb":3}}\n\n{"logger":"billing","message":"invoice sent","id":42}\n',
    );
    for (let until = Date.now() + 10_000; httpLines(child.output()).length < 5 && Date.now() < until; ) await sleep(50);
    child.kill('SIGTERM');
    await child;
    expect([text.status, ndjson.status]).toEqual([204, 204]);
    const lines = httpLines(child.output());
    expect(lines.map((l) => l.message)).toEqual(['first line', 'second, CRLF', 'third without newline', 'disk low', 'invoice sent']);
    expect(lines[0]).toMatchObject({ logger: 'posted', level: 'info' });
    expect(lines[3]).toMatchObject({ logger: 'posted', level: 'warning', 'disk.free_gb': 3 });
    expect(lines[4]).toMatchObject({ logger: 'billing', id: 42 });
  });

  it('answers a 10 MB body with 413, a bad NDJSON line with 400, and wrong paths, methods and types with their 4xx; nothing of them is routed', async () => {
    const { dir, child, url } = await httpApp();
    const big = join(dir, 'big.txt');
    writeFileSync(big, ('y'.repeat(99) + '\n').repeat(100_001)); // 10,000,100 bytes
    const tooLarge = await curl(['--data-binary', `@${big}`, url]);
    const tooLargeChunked = await curl(['--data-binary', `@${big}`, '-H', 'Transfer-Encoding: chunked', url]);
    const badLine = await curl(['--data-binary', '@-', '-H', 'Content-Type: application/x-ndjson', url], '{"msg":"fine"}\n{"msg": oops}\n');
    const array = await curl(['--data-binary', '@-', '-H', 'Content-Type: application/x-ndjson', url], '[1,2]\n');
    const wrongPath = await curl(['--data-binary', 'x', url.replace('/logs', '/log')]);
    const get = await curl([url]);
    const wrongType = await curl(['--data-binary', 'x', '-H', 'Content-Type: image/png', url]);
    const fine = await curl(['--data-binary', 'after all that, this one', url]);
    for (let until = Date.now() + 10_000; httpLines(child.output()).length < 1 && Date.now() < until; ) await sleep(50);
    const status = await drover(['status', '--socket', join(dir, 'control.sock')]);
    child.kill('SIGTERM');
    await child;
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatch(
      /the body is 10000100 bytes, more than max_body_size \(1048576 bytes\): send fewer lines per request, or raise max_body_size/,
    );
    expect(tooLargeChunked.status).toBe(413);
    expect(badLine.status).toBe(400);
    expect(badLine.body).toMatch(/^line 2 is not JSON \(.*\); nothing of this request was taken/);
    expect(array).toMatchObject({ status: 400, body: expect.stringMatching(/line 1 is an array/) });
    expect(wrongPath).toMatchObject({ status: 404, body: expect.stringMatching(/no such endpoint \/log: POST log lines to \/logs/) });
    expect(get).toMatchObject({ status: 405, body: expect.stringMatching(/GET is not allowed/) });
    expect(wrongType).toMatchObject({ status: 415, body: expect.stringMatching(/Content-Type image\/png is not taken/) });
    expect(fine.status).toBe(204);
    expect(httpLines(child.output()).map((l) => l.message)).toEqual(['after all that, this one']);
    expect(status.stdout).toMatch(/inputs\.posted: address=127\.0\.0\.1:\d+ requests=8 messages=1 rejected=7/);
  });

  it('holds its answer while stdout is full, so that a client waiting for it slows down; every line arrives after', async () => {
    const port = await freePort();
    const dir = tempDir({
      Procfile: 'web: sleep 600\n',
      'drover/in.toml': `[inputs.posted]\ntype = "http"\naddress = "127.0.0.1:${port}"\n`,
      'drover/out.toml': '[outputs.stdout]\ntype = "stdout"\nformat = "raw"\n',
    });
    const [k, v] = TEST_MARK.split('=');
    const child = spawn(DROVER, ['start'], { cwd: dir, env: { ...process.env, DYNO: '', PORT: '', [k]: v }, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.pause(); // nobody reads drover's stdout for now
    const line = 'p'.repeat(99) + '\n';
    const body = line.repeat(10_000); // 1 MB
    let answered = 0;
    // Ten requests, one after another, as a client that waits for each answer does.
    const client = (async () => {
      for (let i = 0; i < 10; i++) {
        for (;;) {
          try {
            const response = await fetch(`http://127.0.0.1:${port}/logs`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
            expect(response.status).toBe(204);
            break;
          } catch {
            await sleep(100); // not listening yet
          }
        }
        answered++;
      }
    })();
    await sleep(4000);
    const answeredWhileBlocked = answered;
    let count = 0;
    let rest = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (rest + d.toString('latin1')).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (l === line.slice(0, -1)) count++;
    });
    child.stdout.resume();
    await client;
    for (let until = Date.now() + 20_000; count < 100_000 && Date.now() < until; ) await sleep(100);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    console.log(`http input behind a full stdout: ${answeredWhileBlocked} of 10 requests answered in 4 s`);
    expect(answeredWhileBlocked).toBeLessThan(10);
    expect(answered).toBe(10);
    expect(count).toBe(100_000);
  }, 60_000);

  it('with a token, takes only requests that carry it as a bearer token', async () => {
    const { child, url } = await httpApp('token = "s3cret"');
    const none = await curl(['--data-binary', 'no token', url]);
    const wrong = await curl(['--data-binary', 'wrong token', '-H', 'Authorization: Bearer s3creT', url]);
    const right = await curl(['--data-binary', 'right token', '-H', 'Authorization: Bearer s3cret', url]);
    for (let until = Date.now() + 10_000; httpLines(child.output()).length < 1 && Date.now() < until; ) await sleep(50);
    child.kill('SIGTERM');
    await child;
    expect([none.status, wrong.status, right.status]).toEqual([401, 401, 204]);
    expect(none.body).toMatch(/Authorization: Bearer TOKEN/);
    expect(httpLines(child.output()).map((l) => l.message)).toEqual(['right token']);
  });
});
