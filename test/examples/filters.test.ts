// examples/quiet-chatty-app and examples/json-to-logfmt: built with the buildpack, run as dynos; what reaches
// stdout (what the platform's router would get) is checked line by line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { killLeftovers } from '../helpers';
import { freePort, runDyno, Scratch, waitFor, webCommand } from '../buildpack/harness';
import { buildHeroku } from './harness';

const scratch = new Scratch();
const slugs: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ['quiet-chatty-app', 'json-to-logfmt']) slugs[name] = (await buildHeroku(scratch, name)).slug;
}, 60_000);

afterAll(() => {
  scratch.cleanup();
  expect(killLeftovers()).toEqual([]);
});

/** Starts the web dyno of a built example (wrapped: the dyno itself is a promise of its exit). */
async function web(name: string, env: Record<string, string> = {}) {
  return { dyno: runDyno({ app: slugs[name], command: webCommand(join(slugs[name], 'Procfile')), port: await freePort(), env }) };
}

describe('examples/quiet-chatty-app', () => {
  it('collapses 200 repeats into one line and a count, and throttles 2,000 lines to 100 a second with summaries', async () => {
    const { dyno } = await web('quiet-chatty-app');
    // Every app line after dedupe is either printed or counted as suppressed: 2,004 = starting, retrying,
    // connected, 2,000 hits and ready (the "repeated" line is drover's own and never throttled).
    const accounted = () => {
      const lines = dyno.output().split('\n');
      const appLines = lines.filter((l) => /^(starting|redis: .*|cache hit key=\d+|ready)$/.test(l)).length;
      const suppressed = lines
        .map((l) => /^suppressed (\d+) messages? from web\.1 in the last 1s$/.exec(l))
        .filter(Boolean)
        .map((m) => Number(m![1]));
      return { lines, appLines, suppressed, total: appLines + suppressed.reduce((a, b) => a + b, 0) };
    };
    for (const until = Date.now() + 20_000; accounted().total < 2004 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
    const { lines, suppressed, total } = accounted();
    expect(total).toBe(2004);
    expect(suppressed.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l === 'redis: connection refused, retrying')).toHaveLength(1);
    expect(lines).toContain('last message repeated 199 times');
    const hits = lines.filter((l) => l.startsWith('cache hit key='));
    // No window passed more than the limit of the app's lines.
    expect(hits.length).toBeLessThanOrEqual(100 * (suppressed.length + 1));
  });
});

describe('examples/json-to-logfmt', () => {
  it('prints logfmt with fields removed and secrets redacted, in JSON and plain lines alike', async () => {
    const env = { DATABASE_URL: 'postgres://shop:s3cr3t-pw@db:5432/shop', STRIPE_SECRET_KEY: 'sk_live_abcdef123456' };
    const { dyno } = await web('json-to-logfmt', env);
    await waitFor(dyno, /plain text with the key/);
    expect((await dyno.stop()).exitCode, dyno.output()).toBe(0);
    const out = dyno.output();
    for (const secret of ['s3cr3t-pw', 'sk_live_abcdef123456', 'hunter2', '4242424242424242']) expect(out).not.toContain(secret);
    const lines = out.split('\n').filter((l) => l.includes(' logger=web.1 '));
    expect(lines.find((l) => l.includes('msg="charge created"'))).toMatch(
      /^time=\S+Z level=info logger=web\.1 msg="charge created" amount=1200 card="?card=\[REDACTED\]"? db="?postgres:\/\/shop:\[REDACTED\]@db:5432\/shop"?$/,
    );
    expect(lines.find((l) => l.includes('msg="retrying stripe"'))).toMatch(/level=warning .*api_key="?\[REDACTED\]"? attempt=2$/);
    expect(lines.find((l) => l.includes('msg="user"'))).toMatch(/level=debug .*user\.id=7 user\.email=a@example\.com$/);
    expect(lines.find((l) => l.includes('plain text'))).toMatch(/msg="plain text with the key \[REDACTED\]"$/);
  });
});
