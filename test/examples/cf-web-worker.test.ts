// examples/cf-web-worker: staged as Cloud Foundry does, launched with the `command` of its cf manifest.yml:
// one container, drover PID 1, the web on $PORT and two workers beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drover, killLeftovers } from '../helpers';
import { freePort, httpGet, runDyno, Scratch, waitFor } from '../buildpack/harness';
import { EXAMPLES, stageCf } from './harness';

const scratch = new Scratch();
let staged: { app: string; deps: string };

beforeAll(async () => {
  staged = await stageCf(scratch, 'cf-web-worker');
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

describe('examples/cf-web-worker', () => {
  it("runs web and two workers in one container with manifest.yml's `command: drover start`", async () => {
    const command = /^ {2}command: (.+)$/m.exec(readFileSync(join(EXAMPLES, 'cf-web-worker/manifest.yml'), 'utf8'))![1];
    expect(command).toBe('drover start');
    const port = await freePort();
    // CF's launcher: profile.d sourced (it puts deps/0/bin on PATH), then `bash -c COMMAND` with PORT set.
    const dyno = runDyno({
      app: staged.app,
      command,
      port,
      env: { DEPS_DIR: join(staged.app, '../deps'), VCAP_APPLICATION: '{"application_name":"shop"}', DYNO: '' },
    });
    expect((await httpGet(port)).body).toBe('hello from web.1\n');
    // Several instances share the container's output: `auto` names each line's instance, as foreman does.
    await waitFor(dyno, /^\d\d:\d\d:\d\d worker\.1 +\| worker\.1: processed job 2$/m, 15_000);
    await waitFor(dyno, /^\d\d:\d\d:\d\d worker\.2 +\| worker\.2: processed job 2$/m, 15_000);
    await waitFor(dyno, /^\d\d:\d\d:\d\d web\.1 +\| web: "GET \/ HTTP\/1\.1" 200/m);
    expect(dyno.init().nspid).toBe(1);

    // drover status from outside the container's PID namespace, through the control socket.
    const status = await drover(['status', '-a', staged.app, '--json']);
    expect(status.exitCode, String(status.stderr)).toBe(0);
    const names = (JSON.parse(String(status.stdout)).instances as { name: string; state: string }[]).map((i) => `${i.name} ${i.state}`);
    expect(names.sort()).toEqual(['web.1 RUNNING', 'worker.1 RUNNING', 'worker.2 RUNNING']);

    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
  });
});
