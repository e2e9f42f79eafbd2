// What the buildpack tests share: a buildpack copied as a git clone would be, a PATH without node, a
// Node.js tarball made from this machine's node, and a dyno: the slug run in its own PID namespace.
import { execa, execaSync } from 'execa';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BUILDPACK, FIXTURES, TEST_MARK } from '../helpers';

/** Temporary directories that live for a whole test file (helpers' tempDir is cleaned after each test). */
export class Scratch {
  private readonly dirs: string[] = [];
  /** A fresh empty directory. */
  dir(label = 'dir'): string {
    const dir = mkdtempSync(join(tmpdir(), `drover-bp-${label}-`));
    this.dirs.push(dir);
    return dir;
  }
  /** Removes every directory made. */
  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** The buildpack as a platform sees it — bin/, lib/, conf/, buildpack.toml, no node_modules — in its own dir, so that `export` lands there. */
export function copyBuildpack(scratch: Scratch): string {
  const dir = scratch.dir('buildpack');
  for (const entry of ['bin', 'lib', 'conf', 'buildpack.toml']) cpSync(join(BUILDPACK, entry), join(dir, entry), { recursive: true });
  return dir;
}

/** A copy of fixtures/apps/NAME in a new directory (a platform's BUILD_DIR). */
export function copyFixture(scratch: Scratch, name: string): string {
  const dir = join(scratch.dir(name), 'app');
  cpSync(join(FIXTURES, 'apps', name), dir, { recursive: true });
  return dir;
}

/** Copies a tree with `cp -a` (symlinks kept): a slug moved to where the platform runs it. */
export function copyTree(from: string, to: string): string {
  mkdirSync(dirname(to), { recursive: true });
  execaSync('cp', ['-a', from, to]);
  return to;
}

let tools: string | undefined;
/**
 * A directory of symlinks to every command in the system's bin directories except node, npm, npx and
 * corepack: a PATH without node. Made once per machine (test workers are killed, not exited, so a
 * per-process directory would be left behind); built aside and renamed, so parallel files cannot see it half made.
 */
export function toolsPath(): string {
  if (tools) return tools;
  const dir = join(tmpdir(), 'drover-bp-tools');
  if (!existsSync(join(dir, 'bash'))) {
    const stage = mkdtempSync(join(tmpdir(), 'drover-bp-tools-stage-'));
    for (const bin of ['/usr/local/bin', '/usr/bin', '/bin']) {
      if (!existsSync(bin)) continue;
      for (const name of readdirSync(bin)) {
        if (/^(node|nodejs|npm|npx|corepack)$/.test(name) || existsSync(join(stage, name))) continue;
        symlinkSync(join(bin, name), join(stage, name));
      }
    }
    try {
      renameSync(stage, dir);
    } catch {
      rmSync(stage, { recursive: true, force: true }); // another test file made it first
    }
  }
  return (tools = dir);
}

/** This machine's node packaged as an official release is: node-vX-linux-x64/bin/node in a .tar.gz. */
export interface NodeTarball {
  path: string;
  sha256: string;
  version: string;
}

/** Makes the tarball once per machine (kept in the temp dir, keyed by node's version and size): gzip takes a second or two. */
export function nodeTarball(): NodeTarball {
  const version = process.versions.node;
  const node = process.execPath;
  const path = join(tmpdir(), `drover-test-node-v${version}-${statSync(node).size}.tar.gz`);
  if (!existsSync(path)) {
    const stage = mkdtempSync(join(tmpdir(), 'drover-node-stage-'));
    const top = `node-v${version}-linux-x64`;
    mkdirSync(join(stage, top, 'bin'), { recursive: true });
    cpSync(node, join(stage, top, 'bin/node'));
    writeFileSync(join(stage, top, 'LICENSE'), 'The Node.js licence would be here.\n');
    execaSync('bash', ['-c', `tar -C "$1" -cf - "$2" | gzip -1 > "$3.partial.$$" && mv "$3.partial.$$" "$3"`, '-', stage, top, path]);
    rmSync(stage, { recursive: true, force: true });
  }
  return { path, version, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/** An inventory in buildpack.toml's format for this machine's arch, to pass as DROVER_NODE_INVENTORY. */
export function inventoryFile(scratch: Scratch, entry: { uri: string; sha256: string; version: string }): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const file = join(scratch.dir('inventory'), 'buildpack.toml');
  writeFileSync(
    file,
    `[[metadata.dependencies]]\nid = "node"\nversion = "${entry.version}"\narch = "${arch}"\nuri = "${entry.uri}"\nsha256 = "${entry.sha256}"\n`,
  );
  return file;
}

/** The environment most builds run with: the inventory points at the local tarball (file://, no server needed). */
export function localNodeEnv(scratch: Scratch): Record<string, string> {
  const tarball = nodeTarball();
  return { DROVER_NODE_INVENTORY: inventoryFile(scratch, { uri: `file://${tarball.path}`, sha256: tarball.sha256, version: tarball.version }) };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** GETs http://127.0.0.1:PORT/PATH, retrying until it answers or `timeout` ms pass. */
export async function httpGet(port: number, path = '/', timeout = 10_000): Promise<{ status: number; body: string }> {
  const until = Date.now() + timeout;
  for (;;) {
    try {
      return await new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end();
      });
    } catch (error) {
      if (Date.now() > until) throw new Error(`nothing answered on port ${port} within ${timeout} ms: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface DynoOptions {
  /** The app directory: HOME and the working directory. */
  app: string;
  /** The web command from the Procfile, or the CNB process's command array (run directly, no shell). */
  command: string | string[];
  port: number;
  env?: Record<string, string>;
  /** Directories before the tool dir on PATH (a CNB layer's bin/). */
  path?: string[];
}

/**
 * Runs a process as a dyno does, in a new PID namespace so that drover is PID 1, with no node on PATH:
 * HOME at the app, .profile.d/*.sh sourced, then `bash -c COMMAND` (a CNB command array is run directly).
 */
export function runDyno(options: DynoOptions) {
  const [k, v] = TEST_MARK.split('=');
  const launcher =
    typeof options.command === 'string'
      ? ['bash', '-c', 'cd "$HOME" && for f in .profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; exec bash -c "$1"', 'dyno', options.command]
      : options.command;
  const env = {
    HOME: options.app,
    PATH: [...(options.path ?? []), toolsPath()].join(':'),
    PORT: String(options.port),
    DYNO: 'web.1',
    LANG: 'C.UTF-8',
    ...options.env,
    [k]: v,
  };
  const child = execa('unshare', ['--pid', '--fork', '--mount-proc', ...launcher], { cwd: options.app, env, extendEnv: false, reject: false, all: true });
  let output = '';
  child.all!.on('data', (d: Buffer) => (output += d.toString()));
  /** The namespace's PID 1, seen from here: unshare's only child. */
  const pid1 = (): number => {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`expected unshare to have one child, found ${children.length}; output:\n${output}`);
    return Number(children[0]);
  };
  return Object.assign(child, {
    output: () => output,
    pid1,
    /**
     * The in-namespace pid of PID 1 and the command line of drover's node: PID 1 itself, or, when PID 1 is
     * bin/drover's bash staying as init (to reap orphans), its only child.
     */
    init: () => {
      const pid = pid1();
      const nspid = /NSpid:\s+(.*)/
        .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]
        .trim()
        .split(/\s+/);
      const cmdline = (p: number) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let node = pid;
      if (cmdline(pid)[0].endsWith('bash')) node = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      return { pid, nspid: Number(nspid[nspid.length - 1]), cmdline: cmdline(node), init: cmdline(pid) };
    },
    /** SIGTERM to PID 1, as the dyno manager sends it; resolves when the namespace is gone. */
    stop: async () => {
      process.kill(pid1(), 'SIGTERM');
      return await child;
    },
  });
}

/** Waits until `pattern` shows up in what the dyno printed. */
export async function waitFor(dyno: { output(): string }, pattern: RegExp, timeout = 10_000): Promise<void> {
  const until = Date.now() + timeout;
  while (!pattern.test(dyno.output())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${pattern}; output so far:\n${dyno.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The web command of a Procfile. */
export function webCommand(procfile: string): string {
  const line = readFileSync(procfile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('web:'));
  if (!line) throw new Error(`no web type in ${procfile}:\n${readFileSync(procfile, 'utf8')}`);
  return line.slice(4).trim();
}

/** Every path under `dir` whose content mentions `text` (to prove nothing in a slug names the build dir). */
export function filesMentioning(dir: string, text: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) return readdirSync(path).forEach((n) => walk(join(path, n)));
    if (stat.size < 5_000_000 && readFileSync(path, 'utf8').includes(text)) found.push(path);
  };
  walk(dir);
  return found.map((p) => p.slice(dir.length + 1) || basename(p));
}
