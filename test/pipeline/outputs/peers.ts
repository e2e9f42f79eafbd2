// Real peers for the drain tests: syslog-ng on loopback, certificates made with openssl, an output context.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { oneInstance, type ComponentContext } from '../../../src/pipeline/component';
import { Message } from '../../../src/pipeline/message';
import { tempDir } from '../../helpers';

const running = new Set<SyslogNg>();
afterEach(async () => {
  await Promise.all([...running].map((s) => s.stop()));
});
// If the test process dies before afterEach (a timeout, a crash), take the receivers with it.
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** A port that was free a moment ago (syslog-ng binds it itself). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with the openssl command. */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=drover test CA');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/** A client certificate signed by the CA of makeCertificates(dir), valid for `days` days, its key with mode 0600. */
export function makeClientCertificate(dir: string, name = 'client', days = 30): { cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=drover ${name}`,
  );
  writeFileSync(join(dir, `${name}.ext`), 'extendedKeyUsage=clientAuth\n');
  run(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    String(days),
    '-extfile',
    `${name}.ext`,
  );
  chmodSync(join(dir, `${name}.key`), 0o600);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** syslog-ng in the foreground, receiving on one loopback port and writing RFC 5424 lines to a file. */
export class SyslogNg {
  readonly output: string;
  private child: ChildProcess | undefined;
  private readonly config: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    transport: 'tcp' | 'tls' | 'udp',
    tls?: TlsPeer,
    newline = false,
  ) {
    this.output = join(dir, 'received.log');
    this.config = join(dir, 'syslog-ng.conf');
    // With `clientCa`, a client must present a certificate signed by it (mutual TLS).
    const verify = tls?.clientCa ? `ca-file("${tls.clientCa}") peer-verify(required-trusted)` : 'peer-verify(optional-untrusted)';
    const tlsOptions = tls ? ` tls(key-file("${tls.key}") cert-file("${tls.cert}") ${verify})` : '';
    writeFileSync(
      this.config,
      `@version: 3.38
options { flush-lines(0); frac-digits(6); ts-format(iso); keep-hostname(yes); keep-timestamp(yes); use-dns(no); dns-cache(no); use-fqdn(no); log-msg-size(65536); stats-freq(0); log-fifo-size(100000); };
source s_in { ${newline ? 'network' : 'syslog'}(ip("127.0.0.1") port(${port}) transport("${transport}") log-iw-size(100000) max-connections(10)${tlsOptions}${newline ? ' flags(syslog-protocol)' : ''}); };
destination d_file { file("${this.output}" flags(syslog-protocol)); };
log { source(s_in); destination(d_file); };
`,
    );
  }

  /** Starts syslog-ng and waits until it listens; `newline` takes newline-framed messages instead of octet-counted ones. */
  static async start(transport: 'tcp' | 'tls' | 'udp', tls?: TlsPeer, newline = false): Promise<SyslogNg> {
    const server = new SyslogNg(tempDir(), await freePort(), transport, tls, newline);
    await server.resume();
    return server;
  }

  /** (Re)starts the process on the same port and files. */
  async resume(): Promise<void> {
    const d = this.dir;
    const child = spawn('syslog-ng', ['-F', '--no-caps', '-f', this.config, '-p', join(d, 'pid'), '-c', join(d, 'ctl'), '-R', join(d, 'persist')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    running.add(this);
    children.add(child);
    child.once('exit', () => children.delete(child));
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    // Ready when the control socket exists (it is created after the sources are bound).
    for (let i = 0; i < 200 && !existsSync(join(d, 'ctl')); i++) {
      if (child.exitCode !== null) throw new Error(`syslog-ng exited: ${stderr}`);
      await sleep(25);
    }
    if (!existsSync(join(d, 'ctl'))) throw new Error(`syslog-ng did not start: ${stderr}`);
  }

  /** Stops the process (SIGTERM, then SIGKILL) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      running.delete(this);
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    running.delete(this);
  }

  /** The received lines, as syslog-ng wrote them. */
  lines(): string[] {
    if (!existsSync(this.output)) return [];
    const text = readFileSync(this.output, 'utf8');
    return text ? text.slice(0, text.lastIndexOf('\n')).split('\n') : [];
  }

  /** Waits until at least `count` lines arrived, or `timeout` passed; returns the lines. */
  async waitFor(count: number, timeout = 10_000, quiet = 300): Promise<string[]> {
    const end = Date.now() + timeout;
    let lines = this.lines();
    while (lines.length < count && Date.now() < end) {
      await sleep(50);
      lines = this.lines();
    }
    // Then give stragglers (duplicates) a moment.
    await sleep(quiet);
    return this.lines();
  }
}

/** The server side of a TLS receiver: its certificate, and the CA its clients' certificates must be signed by, if any. */
export interface TlsPeer {
  cert: string;
  key: string;
  clientCa?: string;
}

export interface Rfc5424Fields {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

/** Parses one RFC 5424 line strictly enough to fail on anything malformed. */
export function parseRfc5424(line: string): Rfc5424Fields {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\"]|"(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$/s.exec(line);
  if (!m) throw new Error(`not RFC 5424: ${JSON.stringify(line)}`);
  return {
    pri: Number(m[1]),
    version: Number(m[2]),
    timestamp: m[3],
    hostname: m[4],
    appName: m[5],
    procId: m[6],
    msgId: m[7],
    structuredData: m[8],
    msg: m[9] ?? '',
  };
}

/** An output context that records what the output reports. */
export function testContext(id = 'outputs.drain', env: NodeJS.ProcessEnv = {}): ComponentContext & { reports: { text: string; severity?: number }[] } {
  const reports: { text: string; severity?: number }[] = [];
  return {
    id,
    env,
    hostname: 'testhost',
    onPlatform: false,
    isTTY: false,
    instances: oneInstance,
    reports,
    report: (text, severity) => reports.push({ text, severity }),
    emit: () => {},
  };
}

/** A message as the splitter makes them. */
export function line(text: string, logger = 'web.1', stream: 'stdout' | 'stderr' = 'stdout', timestamp = Date.now()): Message {
  return new Message(Buffer.from(text), logger, stream, 4242, 'dynohost', timestamp);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
