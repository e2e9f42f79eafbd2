// Preloaded (node --require) by bin/drover before lib/drover.js is even parsed: the shim runs the first node on
// PATH without asking its version (that costs a start of node), and the bundle's syntax needs Node.js 18, so an
// older node must stop here, in syntax every version reads. Plain ES5 on purpose.
// SIGUSR1 would open Node.js's inspector on 127.0.0.1:9229, where any local user could run code in drover: a
// listener of our own replaces that as early as can be (lib/drover.js gives the signal its meaning).
process.on('SIGUSR1', function () {});
// bin/drover set MALLOC_ARENA_MAX for this node alone (glibc read it at start): the app's processes, which inherit
// process.env, get it as drover found it ("NAME=value", or "NAME" when it was unset).
var restore = process.env.DROVER_RESTORE_ENV;
if (restore !== undefined) {
  delete process.env.DROVER_RESTORE_ENV;
  var eq = restore.indexOf('=');
  if (eq < 0) delete process.env[restore];
  else process.env[restore.slice(0, eq)] = restore.slice(eq + 1);
}
var major = Number(process.versions.node.split('.')[0]);
if (major < 18) {
  process.stderr.write('drover: Node.js ' + process.version + ' (' + process.execPath + ') is too old: drover needs Node.js >= 18.\n' +
    '        Put a newer node first on PATH, or set DROVER_NODE to the path of one.\n');
  process.exit(127);
}
// The bundle loads through V8's code cache (code-cache.cjs says where it is kept and why it can be trusted). Once
// it is loaded and its cache is written (V8 keys caches on its flags, and so does Node.js's cache of its own
// modules: those the start needs are loaded by then), the young generation stays at the 2 x 1 MiB it starts with
// and the old one grows 20% at a time (bin/drover says why here and not on its command line).
require('./code-cache.cjs').install(function () {
  require('v8').setFlagsFromString('--semi-space-growth-factor=1 --heap-growing-percent=20');
});
