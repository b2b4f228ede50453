// Builds the optional native CPU kernels (native/, a Node-API addon) with node-gyp. Runs as the
// package's `install` script, so it must never fail an install: when the build cannot run (no
// compiler, no node-gyp, no Node headers) it prints one line and exits 0, and the WebAssembly SIMD
// kernels are used (the JavaScript kernels where the engine lacks WebAssembly SIMD). `node scripts/build-native.mjs --verbose` (`pnpm run build:native`) shows
// node-gyp's whole output.
//
// No download: node-gyp is pointed at the headers of the Node that runs this script
// (`<prefix>/include/node`, shipped with Node's own builds and distro packages) unless
// `npm_config_nodedir` says otherwise; only when neither exists does node-gyp fetch headers itself.
// Set KINDLING_NATIVE=0 to skip the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const verbose = process.argv.includes('--verbose');
const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(pkgDir, 'native');
const built = join(nativeDir, 'build', 'Release', 'kindling_native.node');

/** Prints the one-line outcome (prefixed so it is recognisable in install logs). */
function notice(message) {
  console.log(`@kindling/core: ${message}`);
}

function skip(reason) {
  notice(`native CPU kernels not built (${reason}); the WebAssembly SIMD kernels will be used`);
  process.exit(0);
}

if (process.env.KINDLING_NATIVE === '0') skip('KINDLING_NATIVE=0');
if (!existsSync(join(nativeDir, 'binding.gyp'))) skip('native sources missing');

/** The node-gyp command: the package manager's own, one on PATH, or the copy bundled with npm. */
function findNodeGyp() {
  const fromEnv = process.env.npm_config_node_gyp;
  if (fromEnv && existsSync(fromEnv)) return [process.execPath, fromEnv];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of process.platform === 'win32' ? ['node-gyp.cmd', 'node-gyp.exe'] : ['node-gyp']) {
      if (existsSync(join(dir, name))) return [join(dir, name)];
    }
  }
  const prefix = dirname(dirname(process.execPath));
  for (const candidate of [
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]) {
    if (existsSync(candidate)) return [process.execPath, candidate];
  }
  return null;
}

/** The directory holding this Node's headers (`include/node/node_api.h`), or null. */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured) return configured;
  const prefix = dirname(dirname(process.execPath));
  const headers = join(prefix, 'include', 'node');
  return existsSync(join(headers, 'node_api.h')) && existsSync(join(headers, 'common.gypi')) ? prefix : null;
}

const gyp = findNodeGyp();
if (!gyp) skip('node-gyp not found');
const nodedir = findNodeDir();
const args = [...gyp.slice(1), 'rebuild', '--jobs=max', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const started = Date.now();
const r = spawnSync(gyp[0], args, {
  cwd: nativeDir,
  encoding: 'utf8',
  stdio: verbose ? 'inherit' : 'pipe',
  shell: process.platform === 'win32' && gyp[0].endsWith('.cmd'),
  env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
});
const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
if (!verbose && log) {
  mkdirSync(join(nativeDir, 'build'), { recursive: true });
  writeFileSync(join(nativeDir, 'build', 'build.log'), log);
}
if (r.error || r.status !== 0 || !existsSync(built)) {
  const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
  skip(`${why}; log: native/build/build.log`);
}
notice(`built native CPU kernels in ${((Date.now() - started) / 1000).toFixed(1)} s`);
