// src/pipeline/registry.ts: every component type by kind and `type`, each entry a loader; lib/drover.js loads
// lib/drover-components.js (every type but stdout and stderr) only when a configuration uses one of them
// (test/cli/lazy-bundles.test.ts).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENT_KINDS } from '../../src/pipeline/component';
import { definitionsOf, findDefinition, registry, typesOf } from '../../src/pipeline/registry';
import { BUILDPACK, tempDir } from '../helpers';

describe('the registry', () => {
  it("loads every entry, and each definition's kind and type are its keys", () => {
    for (const kind of COMPONENT_KINDS) {
      expect(typesOf(kind).length, kind).toBeGreaterThan(0);
      for (const [type, load] of Object.entries(registry[kind])) {
        const definition = load();
        expect([definition.kind, definition.type], `${kind}.${type}`).toEqual([kind, type]);
        expect(findDefinition(kind, type)).toBe(definition);
      }
    }
  });

  it('finds no definition for an unknown type, nor for a name of Object.prototype', () => {
    expect(findDefinition('outputs', 'nope')).toBeUndefined();
    expect(findDefinition('outputs', 'toString')).toBeUndefined();
    expect(findDefinition('filters', '__proto__')).toBeUndefined();
  });
});

/** A copy of the drover under test. */
function droverTree(): string {
  const dir = tempDir();
  for (const entry of ['bin', 'lib', 'conf']) cpSync(join(BUILDPACK, entry), join(dir, entry), { recursive: true });
  return dir;
}

/** `drover check` of an app with `toml` as its drover/100.toml, from `tree`. */
function check(tree: string, toml: string) {
  const app = tempDir({ Procfile: 'web: sleep 1\n', 'drover/100.toml': toml });
  return execa(join(tree, 'bin', 'drover'), ['check'], { cwd: app, reject: false, all: true, env: { DROVER_CODE_CACHE: '0' } });
}

describe('lib/drover-components.js', () => {
  it('gives the built drover every component type: the example of each is checked OK', async () => {
    const tree = droverTree();
    for (const kind of COMPONENT_KINDS) {
      for (const definition of definitionsOf(kind)) {
        const result = await check(tree, definition.example);
        expect(result.exitCode, `${kind}.${definition.type}: ${result.all}`).toBe(0);
        expect(result.all).toContain(`(${definition.type})`);
      }
    }
  });
});
