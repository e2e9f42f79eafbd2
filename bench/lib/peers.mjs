// The tools under test: drover and its peers, each turning one job description into a command line.
// A job: { dir, script, count, format: 'raw'|'prefixed'|'json', restart }. A tool that cannot do a job
// returns { na: 'why' }, so the report says so instead of leaving the tool out.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/../..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

// Tools inherit the environment minus what would change their behaviour (a platform's PORT/DYNO, colours) and
// NODE_EXTRA_CA_CERTS, which some build machines set and no dyno does: every Node.js tool (drover, node-foreman,
// concurrently, pm2, bare node) would read a CA bundle at start, about 30 ms each on Node.js 18 and 20.
function cleanEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
  for (const key of ['PORT', 'DYNO', 'VCAP_APPLICATION', 'CNB_LAYERS_DIR', 'NODE_EXTRA_CA_CERTS']) delete env[key];
  return env;
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let supervisordChecked;
/** Installs Debian's supervisor when it is missing (the bench runs as root); returns why not on failure. */
export function ensureSupervisord() {
  if (supervisordChecked !== undefined) return supervisordChecked;
  if (!have('supervisord')) {
    process.stderr.write('bench: supervisord missing; apt-get install -y supervisor\n');
    const apt = (...args) => spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
    // A fresh image has no package lists yet: update once, only when the first attempt fails.
    if (!apt('install', '-y', '--no-install-recommends', 'supervisor')) apt('update') && apt('install', '-y', '--no-install-recommends', 'supervisor');
  }
  supervisordChecked = have('supervisord') ? null : 'supervisord not installed (apt-get install supervisor failed)';
  return supervisordChecked;
}

function npmTool(bin) {
  return existsSync(join(BIN, bin)) ? null : `${bin} not installed (npm ci installs the devDependencies)`;
}

const cat = {
  name: 'cat | cat',
  prepare(job) {
    if (job.restart || (job.count ?? 1) > 1) return { na: 'not a supervisor; only the pipe limit for passthrough' };
    return { cmd: 'sh', args: ['-c', `bash ${job.script} | cat`], cwd: job.dir, env: cleanEnv() };
  },
};

const drover = {
  name: 'drover',
  prepare(job) {
    mkdirSync(join(job.dir, 'drover'), { recursive: true });
    writeFileSync(join(job.dir, 'Procfile'), `web: bash ${job.script}\n`);
    const format = { raw: 'raw', prefixed: 'heroku', json: 'logfmt' }[job.format];
    const json = job.format === 'json' ? `[decoders.json]\ntype = "json"\n\n[filters.nodebug]\ntype = "drop"\nmatch = "Fields[level] == 'debug'"\n\n` : '';
    // job.stdout === false: no stdout output at all (the empty 009-stdout.toml turns off the default one).
    if (job.stdout === false) writeFileSync(join(job.dir, 'drover', '009-stdout.toml'), '');
    const stdout = job.stdout === false ? '' : `[outputs.stdout]\ntype = "stdout"\nformat = "${format}"\nmatch = "TRUE"\n\n`;
    writeFileSync(
      join(job.dir, 'drover', '100-bench.toml'),
      `${json}${job.outputs ?? ''}${stdout}` + `[processes.web]\nautorestart = ${job.restart ? 'true' : 'false'}\nstartsecs = 0\nstopwaitsecs = 10\n`,
    );
    return { cmd: join(ROOT, 'bin', 'drover'), args: ['start', `web=${job.count ?? 1}`], cwd: job.dir, env: cleanEnv() };
  },
};

const supervisord = {
  name: 'supervisord',
  prepare(job) {
    const missing = ensureSupervisord();
    if (missing) return { na: missing };
    if (job.format === 'prefixed') return { na: 'no per-line prefix: it copies bytes' };
    if (job.format === 'json') return { na: 'no decoders or filters' };
    const d = job.dir;
    writeFileSync(
      join(d, 'supervisord.conf'),
      [
        '[supervisord]',
        'nodaemon=true',
        `logfile=${d}/supervisord.log`,
        `pidfile=${d}/supervisord.pid`,
        `childlogdir=${d}`,
        'loglevel=warn',
        ...(process.getuid?.() === 0 ? ['user=root'] : []),
        '',
        '[unix_http_server]',
        `file=${d}/supervisor.sock`,
        '',
        '[rpcinterface:supervisor]',
        'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
        '',
        '[program:web]',
        `command=/bin/bash ${job.script}`,
        `numprocs=${job.count ?? 1}`,
        'process_name=%(program_name)s_%(process_num)d',
        `autorestart=${job.restart ? 'true' : 'false'}`,
        'startsecs=0',
        'stopwaitsecs=10',
        'stopasgroup=true',
        'killasgroup=true',
        'stdout_logfile=/dev/stdout',
        'stdout_logfile_maxbytes=0',
        'redirect_stderr=true',
        '',
      ].join('\n'),
    );
    return { cmd: 'supervisord', args: ['-c', join(d, 'supervisord.conf')], cwd: d, env: cleanEnv() };
  },
};

const foreman = {
  name: 'node-foreman',
  prepare(job) {
    const missing = npmTool('nf');
    if (missing) return { na: missing };
    if (job.restart) return { na: 'no restart: it stops every process when one exits' };
    if (job.format === 'json') return { na: 'no decoders or filters' };
    writeFileSync(join(job.dir, 'Procfile'), `web: bash ${job.script}\n`);
    const args = ['start', ...(job.format === 'raw' ? ['--raw'] : []), `web=${job.count ?? 1}`];
    return { cmd: join(BIN, 'nf'), args, cwd: job.dir, env: cleanEnv() };
  },
};

const concurrently = {
  name: 'concurrently',
  prepare(job) {
    const missing = npmTool('concurrently');
    if (missing) return { na: missing };
    if (job.format === 'json') return { na: 'no decoders or filters' };
    const n = job.count ?? 1;
    const args = [
      // Not --raw: that hands the child concurrently's own stdout (stdio inherit), so nothing would pass through it.
      ...(job.format === 'raw'
        ? ['--prefix', 'none']
        : ['--prefix', '{time} {name}', '--timestamp-format', 'HH:mm:ss', '--names', Array.from({ length: n }, (_, i) => `web.${i + 1}`).join(',')]),
      ...(job.restart ? ['--restart-tries', '1', '--restart-after', '0'] : []),
      ...Array(n).fill(`bash ${job.script}`),
    ];
    return { cmd: join(BIN, 'concurrently'), args, cwd: job.dir, env: cleanEnv() };
  },
};

const pm2 = {
  name: 'pm2',
  prepare(job) {
    const missing = npmTool('pm2-runtime');
    if (missing) return { na: missing };
    if (job.format === 'json') return { na: 'no decoders or filters' };
    const apps = Array.from({ length: job.count ?? 1 }, (_, i) => ({
      name: `web.${i + 1}`,
      script: '/bin/bash',
      args: [job.script],
      interpreter: 'none',
      exec_mode: 'fork',
      autorestart: !!job.restart,
      restart_delay: 0,
      min_uptime: 0,
      cwd: job.dir,
    }));
    writeFileSync(join(job.dir, 'apps.json'), JSON.stringify({ apps }));
    const format = job.format === 'raw' ? '--raw' : '--formatted';
    // pm2 keeps its state in PM2_HOME: one per job, so runs never see each other's daemon.
    return { cmd: join(BIN, 'pm2-runtime'), args: [format, join(job.dir, 'apps.json')], cwd: job.dir, env: cleanEnv({ PM2_HOME: join(job.dir, '.pm2') }) };
  },
};

const nodePipe = {
  name: 'node pipe',
  prepare(job) {
    if (job.restart || (job.count ?? 1) > 1) return { na: 'not a supervisor; only the floor of a Node.js passthrough' };
    if (job.format !== 'raw') return { na: 'only for raw: a bare pipe adds no prefix' };
    // The idiomatic Node.js passthrough, nothing else, with the Node.js drover runs on: what any supervisor written
    // for Node.js starts from.
    const script = `require('child_process').spawn('bash', [${JSON.stringify(job.script)}], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout.pipe(process.stdout)`;
    return { cmd: process.env.DROVER_NODE || 'node', args: ['-e', script], cwd: job.dir, env: cleanEnv() };
  },
};

const bareNode = {
  name: 'bare node',
  prepare(job) {
    if (job.restart || (job.count ?? 1) > 1) return { na: 'not a supervisor; only the floor of a Node.js process' };
    // The Node.js drover runs on (its shim takes $DROVER_NODE, else node on PATH), doing nothing: the floor of
    // start-up and memory for any supervisor written for Node.js.
    return { cmd: process.env.DROVER_NODE || 'node', args: ['-e', "console.log('READY'); setInterval(() => {}, 1e9)"], cwd: job.dir, env: cleanEnv() };
  },
};

/** Every tool, drover first; workloads choose from these. */
export const TOOLS = { cat, nodePipe, bareNode, drover, supervisord, foreman, concurrently, pm2 };

/** Supervisors only (no `cat | cat`): for workloads about processes rather than pipes. */
export const SUPERVISORS = [drover, supervisord, foreman, concurrently, pm2];

/** Versions of the peers, for the report. */
export function peerVersions() {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')[0];
    } catch {
      return 'not installed';
    }
  };
  return {
    drover: version(join(ROOT, 'bin', 'drover'), ['version']).replace(/^drover /, ''),
    supervisord: version('supervisord', ['--version']),
    'node-foreman': version(join(BIN, 'nf'), ['--version']),
    concurrently: version(join(BIN, 'concurrently'), ['--version']),
    pm2: version(join(BIN, 'pm2-runtime'), ['--version']),
  };
}
