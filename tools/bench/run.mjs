// `pnpm bench [--device cpu|webgpu] [options]`: the entry point of the root benchmarks.
//
//   --device cpu (default)  the CPU comparison table (tools/bench/table.mjs; the options go to it),
//                           or every package's `bench` target where that script is absent
//   --device webgpu         the WebGPU benchmark (packages/core/bench/webgpu.bench.mjs): matmul and
//                           conv2d GFLOP/s, MLP / LeNet / GPT training steps/s next to the CPU's,
//                           and the adapter name; run with KINDLING_BENCH_DEVICE=webgpu, so it fails
//                           (exit 1) instead of printing a notice when no adapter can be opened
//
// Either way the packages the benchmarks import are built first (nx, cached).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEVICES = ['cpu', 'webgpu'];

/** Splits `--device X` / `--device=X` off the arguments. */
function parseDevice(argv) {
  const rest = [];
  let device = 'cpu';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--device') device = argv[++i];
    else if (a.startsWith('--device=')) device = a.slice('--device='.length);
    else rest.push(a);
  }
  return { device, rest };
}

/** Runs a command from the repository root with inherited output; exits on failure. */
function run(command, args, env = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const { device, rest } = parseDevice(process.argv.slice(2));
if (!DEVICES.includes(device)) {
  console.error(`bench: unknown --device '${device}'; expected one of ${DEVICES.join(', ')}`);
  process.exit(2);
}
const nx = join(root, 'node_modules/.bin/nx');
// text depends on nn, autograd and core: building it builds every package the benchmarks import.
run(nx, ['run', '@kindling/text:build']);
if (device === 'webgpu') {
  run(process.execPath, ['packages/core/bench/webgpu.bench.mjs', ...rest], {
    KINDLING_BENCH_DEVICE: 'webgpu',
  });
} else if (existsSync(join(root, 'tools/bench/table.mjs'))) {
  run(process.execPath, ['tools/bench/table.mjs', ...rest]);
} else {
  run(nx, ['run-many', '-t', 'bench']);
}
