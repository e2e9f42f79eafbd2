// How lib/drover.js and lib/drover-components.js share their modules (scripts/build.mjs): each module exists once
// at run time, in one of the two files. src/pipeline/io/sinks.ts keeps the table of sinks that drover's exit waits
// on, message.ts the classes that `instanceof` checks: a second copy in the components bundle would be a second
// table, a second class.
//
// lib/drover.js gets, in place of src/pipeline/load-components.ts, a loader that requires lib/drover-components.js
// once and calls it with a table of the core's modules (their namespace objects, by source path). In
// lib/drover-components.js, an import of any module that lib/drover.js holds resolves to a shim that returns that
// module from the table; every other module is bundled into it. Nothing can be in both: a module is either in the
// core's graph (then shimmed) or not (then bundled into the components file only).
import { relative, sep } from 'node:path';

/** The second bundle's file name, beside lib/drover.js. */
export const COMPONENTS_FILE = 'drover-components.js';

/** The third: croner, which only a schedule needs (src/config/schedule.ts). */
export const CRON_FILE = 'drover-cron.js';

/** esbuild, for lib/drover.js: require('croner') loads lib/drover-cron.js, which holds croner alone. */
export function lazyCronPlugin() {
  return {
    name: 'lazy-cron',
    setup(build) {
      build.onResolve({ filter: /^croner$/ }, () => ({ path: `./${CRON_FILE}`, external: true }));
    },
  };
}

const LOADER = /[\\/]src[\\/]pipeline[\\/]load-components(\.ts)?$/;
const SKIP = Symbol('resolving for coreModulesPlugin');

/** esbuild, for lib/drover.js: load-components.ts becomes a loader of lib/drover-components.js and its table. */
export function lazyComponentsPlugin(shared) {
  return {
    name: 'lazy-components',
    setup(build) {
      const root = build.initialOptions.absWorkingDir;
      build.onResolve({ filter: /load-components$/ }, async (args) => {
        if (args.pluginData === SKIP) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
        // Named by its path from the root: the bundle's comments must not name the directory it was built in.
        return LOADER.test(found.path) ? { path: relative(root, found.path).split(sep).join('/'), namespace: 'lazy-components' } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-components' }, () => {
        const imports = shared.map((key, i) => `import * as m${i} from ${JSON.stringify(`./${key}`)};`);
        const table = shared.map((key, i) => `  ${JSON.stringify(key)}: m${i},`);
        return {
          resolveDir: root,
          loader: 'js',
          contents: [
            ...imports,
            '// The modules of this bundle that lib/drover-components.js uses, by source path (scripts/split.mjs).',
            'const core = {',
            ...table,
            '};',
            'let loaded;',
            '/** Every component type of src/pipeline/components.ts, from lib/drover-components.js, loaded on the first call. */',
            'export function loadComponents() {',
            `  return (loaded ??= require(${JSON.stringify(`./${COMPONENTS_FILE}`)})(core));`,
            '}',
          ].join('\n'),
        };
      });
    },
  };
}

/**
 * esbuild, for lib/drover-components.js: an import of a module in `coreInputs` (the metafile names of lib/drover.js's
 * inputs) becomes that module from the core's table; `shared` collects those used.
 */
export function coreModulesPlugin(coreInputs, shared) {
  return {
    name: 'core-modules',
    setup(build) {
      const root = build.initialOptions.absWorkingDir;
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === SKIP || args.kind === 'entry-point') return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
        if (found.errors.length || found.external || found.namespace !== 'file') return undefined;
        const key = relative(root, found.path).split(sep).join('/');
        if (!coreInputs.has(key)) return undefined;
        shared.add(key);
        return { path: key, namespace: 'drover-core' };
      });
      // The core's namespace object, with __esModule so that esbuild's interop reads a default export as one;
      // getters copied as they are keep the bindings live.
      build.onLoad({ filter: /.*/, namespace: 'drover-core' }, ({ path }) => ({
        loader: 'js',
        contents: `module.exports = Object.defineProperties({ __esModule: true }, Object.getOwnPropertyDescriptors(__droverCore[${JSON.stringify(path)}]));`,
      }));
    },
  };
}
