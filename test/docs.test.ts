// docs/configuration.md is generated from the schemas: this fails when it is stale, or when a component, an
// option or an example would be missing from it.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigurationReference } from '../scripts/config-reference';
import { COMPONENT_KINDS, type ComponentDefinition } from '../src/pipeline/component';
import { definitionsOf } from '../src/pipeline/registry';
import { processSchema, supervisorSchema } from '../src/config/sections';
import { bufferField } from '../src/pipeline/buffers/buffer';
import { drover, ROOT, tempDir } from './helpers';
import { EXAMPLE_MESSAGE } from '../scripts/matcher-reference';
import { compileMatcher, MatcherSyntaxError } from '../src/pipeline/matcher/matcher';
import { Message } from '../src/pipeline/message';
import { EXAMPLE_APP, MATCH_EXAMPLES, MESSAGE_VARIABLES } from '../src/pipeline/message-doc';
import { existsSync } from 'node:fs';

const DOC = join(ROOT, 'docs/configuration.md');

describe('docs/configuration.md', () => {
  it('is up to date with the schemas (run `node scripts/gen-docs.mjs` after changing one)', () => {
    expect(readFileSync(DOC, 'utf8') === renderConfigurationReference(), 'docs/configuration.md is stale: run `node scripts/gen-docs.mjs` and commit it').toBe(
      true,
    );
  });

  it('documents every component type with every option, its doc text and its example', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const kind of COMPONENT_KINDS) {
      for (const def of definitionsOf(kind) as ComponentDefinition[]) {
        const start = doc.indexOf(`### ${kind.replace(/s$/, '')} \`${def.type}\``);
        expect(start, `${kind}.${def.type}`).toBeGreaterThan(0);
        const section = doc.slice(start, doc.indexOf('\n### ', start + 1) >>> 0);
        for (const [name, field] of Object.entries(def.schema)) {
          expect(section, `${kind}.${def.type}.${name}`).toContain(`| \`${name}\` |`);
          expect(section.replace(/\\\|/g, '|').replace(/&lt;/g, '<')).toContain(field.doc);
        }
        expect(section).toContain('```toml\n' + def.example.trim() + '\n```');
      }
    }
  });

  it('documents [supervisor], [processes.NAME] and every buffer option', () => {
    const doc = readFileSync(DOC, 'utf8');
    const buffer = bufferField.type === 'table' ? [bufferField.fields, ...Object.values(bufferField.variants ?? {})] : [];
    for (const schema of [supervisorSchema, processSchema, ...buffer]) {
      for (const name of Object.keys(schema)) expect(doc, name).toContain(`| \`${name}\` |`);
    }
    expect(doc).toContain('With `type = "disk"`:');
  });

  it('gives in its matcher examples the result drover gives', () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf('| Expression | Result |', doc.indexOf('## Match expressions'));
    const section = doc.slice(start, doc.indexOf('\n\n', start));
    const rows = [...section.matchAll(/^\| `(.+)` \| (.+) \|$/gm)].map((m) => [m[1].replace(/\\\|/g, '|'), m[2]]);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    const message = new Message(Buffer.from(EXAMPLE_MESSAGE.payload), EXAMPLE_MESSAGE.logger, 'stdout', 42, 'host');
    message.severity = EXAMPLE_MESSAGE.severity;
    message.fields = { ...EXAMPLE_MESSAGE.fields };
    for (const [expression, result] of rows) {
      let got: string;
      try {
        got = String(compileMatcher(expression)(message));
      } catch (error) {
        if (!(error instanceof MatcherSyntaxError)) throw error;
        got = 'refused';
      }
      expect(got, expression).toBe(result.split(/[ :]/)[0]);
    }
  });

  it('node scripts/gen-docs.mjs renders the same text', async () => {
    const { stdout } = await execa('node', ['scripts/gen-docs.mjs', '--stdout'], { cwd: ROOT, stripFinalNewline: false });
    expect(stdout).toBe(renderConfigurationReference());
  });

  it('documents every variable a match reads, and its Messages examples take the lines they say on a real app', async () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const name of ['Timestamp', 'Type', 'Logger', 'Stream', 'Severity', 'Payload', 'Hostname', 'Pid', 'Fields[name]']) {
      expect(MESSAGE_VARIABLES.map((v) => v.name)).toContain(name);
      expect(doc).toContain(`| \`${name}\` |`);
    }
    const outputs = MATCH_EXAMPLES.map(
      (e, i) => `[outputs.example${i}]\ntype = "file"\npath = "example${i}.log"\nformat = "json"\nmatch = ${JSON.stringify(e.match)}\n`,
    ).join('\n');
    const app = tempDir({
      Procfile: EXAMPLE_APP.procfile + '\n',
      'drover/100.toml': `${EXAMPLE_APP.config}\n\n${outputs}\n[processes.web]\nautorestart = false\nstartsecs = 0\n`,
    });
    const result = await drover(['start'], { cwd: app, env: { DYNO: '', PORT: '' } });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    MATCH_EXAMPLES.forEach((e, i) => {
      const file = join(app, `example${i}.log`);
      const messages = existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];
      // stdout and stderr are two pipes: their lines may interleave either way.
      const taken = messages.filter((m) => m.type === undefined).map((m) => m.message as string);
      expect(taken.sort(), e.match).toEqual([...e.lines].sort());
    });
  });
});
