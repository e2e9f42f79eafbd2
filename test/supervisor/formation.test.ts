import { describe, expect, it } from 'vitest';
import { FormationError, parseFormation, planInstances } from '../../src/supervisor/formation';
import type { ProcessSpec } from '../../src/config/app';

const spec = (name: string, extra: Partial<ProcessSpec> = {}): ProcessSpec =>
  ({
    name,
    command: `run-${name}`,
    numprocs: 1,
    autostart: true,
    autorestart: true,
    exitcodes: [0],
    startsecs: 1000,
    startretries: 5,
    stopsignal: 'TERM',
    stopwaitsecs: 25000,
    environment: {},
    origin: { file: 'Procfile', line: 1 },
    source: 'Procfile',
    ...extra,
  }) as ProcessSpec;

const types = [spec('web'), spec('worker', { numprocs: 2 }), spec('clock', { autostart: false })];

describe('parseFormation', () => {
  it('runs every autostart type with its numprocs when empty', () => {
    expect([...parseFormation('', types)]).toEqual([
      ['web', 1],
      ['worker', 2],
    ]);
  });

  it('reads counts, bare types and all=N', () => {
    expect([...parseFormation('web=2, worker=0', types)]).toEqual([
      ['web', 2],
      ['worker', 0],
    ]);
    expect([...parseFormation('worker', types)]).toEqual([['worker', 2]]);
    expect([...parseFormation('web=3,all=1', types)]).toEqual([
      ['web', 3],
      ['worker', 1],
      ['clock', 1],
    ]);
  });

  it('rejects a count that is not a number and an unknown type', () => {
    expect(() => parseFormation('web=x', types)).toThrow(
      new FormationError('invalid count "x" for "web" in the formation: expected a whole number, e.g. web=2'),
    );
    expect(() => parseFormation('db=1', types)).toThrow('unknown process type "db" in the formation: the Procfile and config define web, worker, clock');
    expect(() => parseFormation('web:2', types)).toThrow('invalid formation entry "web:2"');
  });
});

describe('planInstances', () => {
  it('assigns ports foreman style: base + 100 per type + 1 per instance', () => {
    const plans = planInstances(
      types,
      new Map([
        ['web', 2],
        ['worker', 2],
        ['clock', 1],
      ]),
      {},
    );
    expect(plans.map((p) => [p.name, p.port])).toEqual([
      ['web.1', 5000],
      ['web.2', 5001],
      ['worker.1', 5100],
      ['worker.2', 5101],
      ['clock.1', 5200],
    ]);
    expect(planInstances(types, new Map([['worker', 1]]), {}, 6000).map((p) => [p.name, p.port])).toEqual([['worker.1', 6100]]);
  });

  it('gives web the dyno PORT and takes the dyno number from DYNO', () => {
    const env = { PORT: '31337', DYNO: 'web.3' };
    expect(planInstances(types, new Map([['web', 1]]), env).map((p) => [p.name, p.port])).toEqual([['web.3', 31337]]);
    const worker = [spec('worker'), spec('web')];
    expect(
      planInstances(
        worker,
        new Map([
          ['worker', 1],
          ['web', 2],
        ]),
        env,
      ).map((p) => [p.name, p.port]),
    ).toEqual([
      ['worker.1', 31437],
      ['web.1', 31337],
      ['web.2', 31338],
    ]);
  });
});
