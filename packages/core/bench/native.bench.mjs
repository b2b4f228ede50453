// Native CPU kernels against PyTorch, in one run: float32 matmul (square 256..2048 and the skinny
// products of the MLP / LeNet-5 training benchmarks' forward and backward passes) and conv2d
// forward, one thread each. Prints GFLOP/s of Kindling's active kernels through the tensor API
// (native when built; output allocation and dispatch included, as in PyTorch's figure), of the
// native GEMM kernel alone (the addon called with a preallocated output: the kernel's own speed),
// of the JavaScript kernels (small cases only) and of PyTorch (tools/bench/torch_matmul.py with
// /usr/bin/python3: OpenBLAS with this CPU's kernels, see that file), and the ratios
// Kindling / PyTorch for the op and for the kernel.
//
// Timing: each case runs in batches of calls (at least 10 ms each), median of 7 batches. The
// machine is shared, so the figures use process CPU time (time spent waiting for a core is left
// out, for both sides); BENCH_CLOCK=wall uses wall-clock time instead. Run after `pnpm build`:
//   node bench/native.bench.mjs      (BENCH_PYTHON sets the Python used for the reference)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackendInfo, setNumThreads, useNativeKernels } from '@kindling/core';
import { benchClock, timeCalls } from '../../../tools/bench/timing.mjs';
import { makeCase, operands } from './case-operands.mjs';
import { CASES, flops } from './native-cases.mjs';

const CLOCK = benchClock();
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const addonPath = join(
  dirname(fileURLToPath(import.meta.url)),
  '../native/build/Release/kindling_native.node',
);
const addon = existsSync(addonPath) ? createRequire(import.meta.url)(addonPath) : null;

/** The native bmm on a case's operands with one preallocated output (no allocation, no dispatch). */
function kernelOnly(c) {
  if (!addon || c.kind !== 'matmul') return null;
  const [a, b] = operands(c);
  const a3 = a.ndim === 2 ? a.unsqueeze(0).expand([c.batch, c.M, c.K]) : a;
  const b3 = b.ndim === 2 ? b.unsqueeze(0) : b;
  const out = new Float32Array(c.batch * c.M * c.N);
  const spec = new Float64Array([c.batch, c.M, c.K, c.N, a3.offset, ...a3.strides, b3.offset, ...b3.strides]);
  const da = a3.storage.handle;
  const db = b3.storage.handle;
  return () => addon.bmm(da, db, out, spec);
}

/** Median seconds per call over 7 batches of calls lasting at least 10 ms each, by CLOCK. */
const timeCase = (fn) => timeCalls(fn)[CLOCK];

function torchReference() {
  const py = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(
    py,
    [join(root, 'tools/bench/torch_matmul.py'), '--json', '--cases', JSON.stringify(CASES)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.error || r.status !== 0) {
    console.log(
      `PyTorch reference unavailable (${py}: ${r.error?.message ?? r.stderr.trim().split('\n').pop()})`,
    );
    return null;
  }
  return JSON.parse(r.stdout);
}

setNumThreads(1);
const info = getBackendInfo();
const torch = torchReference();
if (torch) {
  const b = torch.blas;
  console.log(
    `reference: PyTorch ${torch.torch}, ${torch.threads} thread, BLAS ${b.openblas_config ?? b.libraries.join(', ')}${b.note ? ` (${b.note})` : ''}`,
  );
}
console.log(
  `Kindling kernels: ${info.kernels}${info.isa ? ` (${info.isa}, ${info.threads} thread)` : ` (${info.reason})`}; clock: ${CLOCK} time`,
);
const gf = (c, s) => (s ? (flops(c) / s / 1e9).toFixed(1) : '-').padStart(7);
const ratio = (ours, ref) => (ours && ref ? `${(ref / ours).toFixed(2)}x` : '-').padStart(6);
console.log('GFLOP/s; op = through the tensor API, kernel = native GEMM with a preallocated output');
console.log(
  `${'case'.padEnd(36)} ${'op'.padStart(7)} ${'kernel'.padStart(7)} ${'JS'.padStart(7)} ${'PyTorch'.padStart(7)} ${'op/PT'.padStart(6)} ${'kern/PT'.padStart(7)}`,
);
for (const c of CASES) {
  const fn = makeCase(c);
  const ours = timeCase(fn);
  const kernelFn = info.kernels === 'native' ? kernelOnly(c) : null;
  const kernel = kernelFn ? timeCase(kernelFn) : null;
  let js = null;
  if (info.kernels === 'native' && flops(c) <= 1e9) {
    useNativeKernels(false);
    js = timeCase(fn);
    useNativeKernels(true);
  }
  const ref = torch?.results[c.name]?.[CLOCK];
  console.log(
    `${c.name.padEnd(36)} ${gf(c, ours)} ${gf(c, kernel)} ${gf(c, js)} ${gf(c, ref)} ${ratio(ours, ref)} ${ratio(kernel, ref).padStart(7)}`,
  );
}
