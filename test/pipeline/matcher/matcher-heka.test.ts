// The cases of Heka's own matcher tests (message/message_matcher_test.go in mozilla-services/heka), restated here:
// each one either gives Heka's answer or is listed below as a documented difference, with the reason.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { compileMatcher, MatcherSyntaxError } from '../../../src/pipeline/matcher/matcher';
import { Message } from '../../../src/pipeline/message';

/** Heka's test message, as far as a drover message can hold it (one value per field name). */
function hekaMessage(): Message {
  const m = new Message(Buffer.from('Test Payload'), 'GoSpec', 'stdout', process.pid, hostname(), Date.now(), 'TEST');
  m.severity = 6;
  m.fields = {
    foo: 'bar', // Heka's message has a second field "foo" = "alternate": drover's fields have one value per name
    number: 64,
    bytes: 'data', // Heka: a bytes field; drover has no bytes type, so text
    int: 999, // Heka: the values 999 and 1024 in one field
    double: 99.9,
    bool: true,
    Payload: 'name=test;type=web;',
    Timestamp: 'Mon Jan 02 15:04:05 -0700 2006',
    zero: 0,
    string: '43',
  };
  return m;
}

type Expect = boolean | 'refused';

/** Heka refuses these when the matcher is built. */
const malformed = [
  '',
  'bogus',
  "Type = 'test'",
  "Pid == 'test='",
  "Type == 'test' && (Severity==7 || Payload == 'Test Payload'",
  "Invalid == 'bogus'",
  'Fields[]',
  'Fields[test][]',
  'Fields[test][a]',
  'Fields[test][0][]',
  'Fields[test][0][a]',
  'Fields[test][0][0][]',
  'Fields[test][xxxx',
  'Pid =~ /6/',
  'Pid !~ /6/',
  'Type =~ /test',
  'Type == /test/',
  "Type =~ 'test'",
  'Type =~ /\\ytest/',
  'Type != \'test"',
  'Pid =~ 6',
  'NIL',
  'Type == NIL',
  'Fields[test] > NIL',
];

/** Heka's answer is false for these. */
const negative = [
  'FALSE',
  "Type == 'test'&&(Severity==7||Payload=='Test Payload')",
  "EnvVersion == '0.9'",
  "EnvVersion != '0.8'",
  "EnvVersion > '0.9'",
  "EnvVersion >= '0.9'",
  "EnvVersion < '0.8'",
  "EnvVersion <= '0.7'",
  'Severity == 5',
  'Severity != 6',
  'Severity < 6',
  'Severity <= 5',
  'Severity > 6',
  'Severity >= 7',
  "Fields[foo] == 'ba'",
  "Fields[foo][1] == 'bar'",
  "Fields[foo][0][1] == 'bar'",
  'Fields[bool] == FALSE',
  'Type =~ /Test/',
  'Type !~ /TEST/',
  'Payload =~ /^Payload/',
  'Type == "te\'st"',
  "Type == 'te\"st'",
  'Fields[int] =~ /999/',
  'Fields[zero] == "0"',
  'Fields[string] == 43',
  'Fields[int] == NIL',
  'Fields[int][0][1] == NIL',
  'Fields[missing] != NIL',
  'Type =~ /^te/',
  'Type =~ /st$/',
  'Type !~ /^TE/',
  'Type !~ /ST$/',
  'Logger =~ /./ && Type =~ /^anything/',
];

/** Heka's answer is true for these (Heka's Uuid case is written with a made-up id). */
const positive = [
  'TRUE',
  "(Severity == 7 || Payload == 'Test Payload') && Type == 'TEST'",
  'EnvVersion == "0.8"',
  "EnvVersion == '0.8'",
  "EnvVersion != '0.9'",
  "EnvVersion > '0.7'",
  "EnvVersion >= '0.8'",
  "EnvVersion < '0.9'",
  "EnvVersion <= '0.8'",
  "Hostname != ''",
  "Logger == 'GoSpec'",
  'Pid != 0',
  'Severity != 5',
  'Severity < 7',
  'Severity <= 6',
  'Severity == 6',
  'Severity > 5',
  'Severity >= 6',
  'Timestamp > 0',
  "Type != 'test'",
  "Type == 'TEST' && Severity == 6",
  "Type == 'test' && Severity == 7 || Payload == 'Test Payload'",
  "Type == 'TEST'",
  "Type == 'foo' || Type == 'bar' || Type == 'TEST'",
  "Uuid == '6ad9ce84-7e6c-4a51-a41b-0dd9c9e8d0a7'",
  "Fields[foo] == 'bar'",
  "Fields[foo][0] == 'bar'",
  "Fields[foo][0][0] == 'bar'",
  "Fields[foo][1] == 'alternate'",
  "Fields[foo][1][0] == 'alternate'",
  "Fields[foo] == 'bar'",
  "Fields[bytes] == 'data'",
  'Fields[int] == 999',
  'Fields[int][0][1] == 1024',
  'Fields[double] == 99.9',
  'Fields[bool] == TRUE',
  'Type =~ /TEST/',
  'Type !~ /bogus/',
  'Type =~ /TEST/ && Payload =~ /Payload/',
  'Fields[foo][1] =~ /alt/',
  'Fields[Payload] =~ /name=\\w+/',
  'Type =~ /(ST)/',
  'Fields[int] != NIL',
  'Fields[int][0][1] != NIL',
  'Fields[int][0][2] == NIL',
  'Fields[missing] == NIL',
  'Type =~ /^TE/',
  'Type =~ /ST$/',
  'Type !~ /^te/',
  'Type !~ /st$/',
];

/** Where drover answers differently, and why (the configuration reference lists the same). */
const differences: Record<string, { drover: Expect; why: string }> = {};
const noEnvVersion = { drover: 'refused' as const, why: "drover's messages have no EnvVersion: refused with a message that says so" };
for (const c of [...negative, ...positive]) if (c.startsWith('EnvVersion')) differences[c] = noEnvVersion;
differences["Uuid == '6ad9ce84-7e6c-4a51-a41b-0dd9c9e8d0a7'"] = { drover: 'refused', why: "drover's messages have no Uuid" };
const oneValue = "drover's fields hold one value per name: a second field of that name, or a second value, is absent";
for (const c of [
  "Fields[foo][1] == 'alternate'",
  "Fields[foo][1][0] == 'alternate'",
  'Fields[foo][1] =~ /alt/',
  'Fields[int][0][1] == 1024',
  'Fields[int][0][1] != NIL',
])
  differences[c] = { drover: false, why: oneValue };
differences['Fields[int][0][1] == NIL'] = { drover: true, why: oneValue };

const all: [string, Expect][] = [
  ...malformed.map((c) => [c, 'refused'] as [string, Expect]),
  ...negative.map((c) => [c, false] as [string, Expect]),
  ...positive.map((c) => [c, true] as [string, Expect]),
];

function outcome(expression: string): Expect {
  try {
    return compileMatcher(expression)(hekaMessage());
  } catch (error) {
    if (error instanceof MatcherSyntaxError) return 'refused';
    throw error;
  }
}

describe("Heka's matcher cases", () => {
  it('has all 108 of them', () => expect(all.length).toBe(108));

  it.each(all.filter(([c]) => !differences[c]))('%j: as in Heka, %s', (expression, expected) => {
    expect(outcome(expression)).toBe(expected);
  });

  it.each(Object.entries(differences).map(([c, d]) => [c, d.drover, d.why]))('%j: %s in drover (%s)', (expression, expected) => {
    expect(outcome(expression)).toBe(expected);
  });

  it('agrees on 88 and differs on 20, each listed in the docs', () => {
    expect(Object.keys(differences).length).toBe(20);
  });
});
