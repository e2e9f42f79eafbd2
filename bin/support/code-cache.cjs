// V8's code cache for lib/drover.js and the bundles it loads on first use (lib/drover-components.js: the component
// types off the default path; lib/drover-cron.js: croner, for schedules), loaded by node-check.cjs before the bundle: V8 then skips parsing and
// compiling the bundle's 550 KB at every start (about 10 ms of a 70 ms start, Node.js 18 to 24), and the functions
// that started the supervisor last time come compiled. Node.js 22's module.enableCompileCache() saves half of that:
// it caches the bundle as compiled before it ran, without those functions.
// The cache is code V8 runs without checking it: it is read only from a directory as trusted as the bundle itself
// (<drover>/code-cache/, which the buildpack fills in the slug, owned by the bundle's owner or by us and writable by
// nobody else) or from the user's own private directory, $TMPDIR/drover-<uid>/code-cache (0700, checked as
// src/supervisor/private-dir.ts checks it). Any doubt, any error: no cache, and drover starts as it would without.
'use strict';
var fs = require('fs');
var path = require('path');
var vm = require('vm');
// The CommonJS loader's Module, as require('module') gives it without loading node:module (1 ms at every start).
var Module = module.constructor;

var root = path.join(__dirname, '..', '..');
var bundle = path.join(root, 'lib', 'drover.js');
// Loaded by lib/drover.js on first use: a component type off the default path (a drain, a decoder), a schedule.
var later = [path.join(root, 'lib', 'drover-components.js'), path.join(root, 'lib', 'drover-cron.js')];
// Caches still to write (saveLater), and what to call once there are none.
var pending = [];
var onSettled = function () {};
function settle() {
  var settled = onSettled;
  onSettled = function () {};
  settled();
}
var BUNDLE_HASH = /\/\/ drover-bundle-sha256 ([0-9a-f]{64})\n$/;

/** Whether `dir` is a real directory (no symlink) owned by one of `owners` that no one else can write into. */
function trusted(dir, owners) {
  try {
    // A missing directory (no slug cache) answers undefined: an exception costs more than the look itself.
    var stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    return stat !== undefined && stat.isDirectory() && owners.indexOf(stat.uid) >= 0 && (stat.mode & 18) === 0; // 18 = 0o022
  } catch (e) {
    return false;
  }
}

/** Where the cache is kept: { dir, shipped }, or null. <drover>/code-cache if present and trusted, else the private one. */
function cacheDir() {
  if (process.env.DROVER_CODE_CACHE === '0') return null;
  var me = process.getuid ? process.getuid() : 0;
  var shipped = path.join(root, 'code-cache');
  try {
    if (trusted(shipped, [me, fs.statSync(bundle).uid])) return { dir: shipped, shipped: true };
  } catch (e) {
    return null;
  }
  var parent = path.join(require('os').tmpdir(), 'drover-' + me);
  var dir = path.join(parent, 'code-cache');
  // Stricter than for sockets (0o022): a cache only its owner can even read is what we made.
  var ok = function () {
    return trusted(parent, [me]) && trusted(dir, [me]) && (fs.lstatSync(parent).mode & 63) === 0 ? { dir: dir, shipped: false } : null;
  };
  // Made already, as at every start but the first (a failed mkdir costs more than a look).
  var found = ok();
  if (found) return found;
  try {
    fs.mkdirSync(parent, { mode: 448 }); // 0o700
  } catch (e) {
    if (e.code !== 'EEXIST') return null;
  }
  try {
    fs.mkdirSync(dir, { mode: 448 });
  } catch (e) {
    if (e.code !== 'EEXIST') return null;
  }
  return ok();
}

/** FNV-1a of a short string, in hex: a file name (the key inside the file is what is compared). */
function fnv1a(text) {
  var hash = 0x811c9dc5;
  for (var i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16);
}

/**
 * What a cache must have been made for, or null (no cache): this Node.js, this bundle (the hash scripts/build.mjs
 * writes as its last line: hashing 550 KB here would cost more than the cache saves) and its path (Node.js 18 and
 * 20 name the bundle in stack traces as the cache does). V8 itself only checks the source's length. In the private
 * directory also the bundle's size and time: an edit by hand leaves the hash line as it was. Not in the slug's,
 * made at build time: a CNB image sets every file's time to 1980.
 */
function keyOf(content, filename, name, where) {
  var hash = BUNDLE_HASH.exec(content.slice(-100));
  if (!hash) return null;
  var key = [process.version, process.arch, process.config.variables.node_module_version, name, hash[1]];
  if (!where.shipped) {
    var stat = fs.statSync(filename);
    key.push(stat.size, stat.mtimeMs);
  }
  return key.join(' ');
}

/** The V8 cache in `file` if it was made for `key` (its first line), else undefined. */
function readCache(file, key) {
  var data;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    return undefined;
  }
  var eol = data.indexOf(10);
  return eol > 0 && data.toString('utf8', 0, eol) === key ? data.subarray(eol + 1) : undefined;
}

/** Compiles and runs the bundle as Node.js's loader would, through a vm.Script that reads and writes the cache. */
function runCached(module, content, filename) {
  var where = cacheDir();
  // The buildpack makes the slug's cache for the path the bundle will have at run time (the others are beside
  // lib/drover.js there too).
  var name = process.env.DROVER_CODE_CACHE_FOR || filename;
  if (name !== filename && filename !== bundle) name = path.join(path.dirname(name), path.basename(filename));
  var key = where && keyOf(content, filename, name, where);
  // One file per bundle path and Node.js: a new build replaces the cache of the last one instead of piling up.
  var file = key && path.join(where.dir, 'drover-' + fnv1a([process.version, process.arch, name].join(' ')) + '.bin');
  var data = file ? readCache(file, key) : undefined;
  var script = new vm.Script(Module.wrap(content), { filename: name, cachedData: data });
  if (file && (!data || script.cachedDataRejected)) saveLater(script, file, key, !where.shipped);
  var fn = script.runInThisContext({ displayErrors: true });
  // The bundle requires Node.js's built-in modules by name, and lib/drover.js the others by path.
  var requireFn = function require(id) {
    return module.require(id);
  };
  return fn.call(module.exports, module.exports, requireFn, module, filename, path.dirname(filename));
}

/**
 * Writes the cache a second after the start, when the supervisor has started (the functions it ran are in it
 * then): a command that ends sooner (version, status) writes none, so the cache is the supervisor's. At exit
 * instead when the buildpack makes the slug's cache (DROVER_CODE_CACHE_FOR). Not later: the functions a long run
 * compiled would come back compiled at every start, in memory the idle supervisor does not need. To a temporary
 * file renamed into place, so a reader never sees half of it.
 */
function saveLater(script, file, key, prune) {
  pending.push({ script: script, file: file, key: key, prune: prune });
  if (pending.length > 1) return;
  var done = false;
  function saveAll() {
    if (done) return;
    done = true;
    pending.forEach(save);
    settle();
  }
  if (process.env.DROVER_CODE_CACHE_FOR) process.once('exit', saveAll);
  else setTimeout(saveAll, 1000).unref();
}

/** Writes one cache that saveLater was given. */
function save(cache) {
  var tmp = cache.file + '.' + process.pid + '.tmp';
  try {
    // 0o644: a cache in the slug may be read by another user than the build's, as the bundle is.
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(cache.key + '\n'), cache.script.createCachedData()]), { mode: 420, flag: 'wx' });
    fs.renameSync(tmp, cache.file);
    if (cache.prune) pruneOthers(cache.file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch (e2) {
      /* never made */
    }
  }
}

/** Caches kept in the private directory: one per bundle path and Node.js, the most recently written. */
var KEEP = 8;

/**
 * Removes all but the KEEP newest caches beside `file` (which is one of them): every drover unpacked somewhere else
 * (a test's temporary copy, a new release) leaves the cache of its path behind, 300 KB each.
 */
function pruneOthers(file) {
  var dir = path.dirname(file);
  var found = [];
  fs.readdirSync(dir).forEach(function (name) {
    if (!/^drover-[0-9a-f]+\.bin$/.test(name)) return;
    var stat = fs.lstatSync(path.join(dir, name), { throwIfNoEntry: false });
    if (stat && stat.isFile()) found.push({ name: name, time: stat.mtimeMs });
  });
  found.sort(function (a, b) {
    return b.time - a.time;
  });
  found.slice(KEEP).forEach(function (old) {
    if (path.join(dir, old.name) === file) return;
    try {
      fs.unlinkSync(path.join(dir, old.name));
    } catch (e) {
      /* gone already (another drover pruned it) */
    }
  });
}

/**
 * Makes Node.js's loader run lib/drover.js, and the bundles it loads on first use if it loads them before its caches
 * are settled (a start whose configuration names a drain or a schedule loads them in its first turn), through
 * runCached; every other file loads as usual. `settled` is called once lib/drover.js has run its first turn and the
 * caches are written, or need none. A bundle loaded after that (a reload that adds a drain) compiles without a
 * cache: `settled` changes V8's flags (node-check.cjs), and V8 rejects a cache made under other flags.
 */
exports.install = function install(settled) {
  var compile = Module.prototype._compile;
  var first = true;
  onSettled = function () {
    Module.prototype._compile = compile;
    settled();
  };
  Module.prototype._compile = function (content, filename) {
    var isFirst = first;
    first = false;
    if (typeof content !== 'string' || (isFirst ? filename !== bundle : later.indexOf(filename) < 0)) {
      if (isFirst) settle();
      return compile.apply(this, arguments);
    }
    try {
      return runCached(this, content, filename);
    } finally {
      if (isFirst && !pending.length) settle();
    }
  };
};
