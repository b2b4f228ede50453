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
import { conv2d, getBackendInfo, matmul, setNumThreads, tensor, useNativeKernels } from '@kindling/core';

const CLOCK = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A matmul case: A [M, K] (stored transposed when ta, shared by the batch when sharedA) @ B [K, N]. */
const mm = (name, M, K, N, o = {}) => ({
  name,
  kind: 'matmul',
  batch: o.batch ?? 1,
  M,
  K,
  N,
  ta: o.ta ?? false,
  tb: o.tb ?? false,
  sharedA: o.sharedA ?? false,
});

const CASES = [
  mm('square 256', 256, 256, 256),
  mm('square 512', 512, 512, 512),
  mm('square 1024', 1024, 1024, 1024),
  mm('square 2048', 2048, 2048, 2048),
  // MLP 784-256-10, batch 128: y = x W^T, dW = g^T x, dx = g W.
  mm('mlp fc1 fwd 128x784 @ (256x784)^T', 128, 784, 256, { tb: true }),
  mm('mlp fc1 dW (128x256)^T @ 128x784', 256, 128, 784, { ta: true }),
  mm('mlp fc1 dx 128x256 @ 256x784', 128, 256, 784),
  mm('mlp fc2 fwd 128x256 @ (10x256)^T', 128, 256, 10, { tb: true }),
  mm('mlp fc2 dW (128x10)^T @ 128x256', 10, 128, 256, { ta: true }),
  mm('mlp fc2 dx 128x10 @ 10x256', 128, 10, 256),
  // LeNet-5, batch 64: convolutions as weight @ im2col columns, per sample.
  mm('lenet conv1 6x25 @ 64x25x784', 6, 25, 784, { batch: 64, sharedA: true }),
  mm('lenet conv2 16x150 @ 64x150x100', 16, 150, 100, { batch: 64, sharedA: true }),
  mm('lenet conv2 dW 64x16x100 @ ^T', 16, 100, 150, { batch: 64, tb: true }),
  mm('lenet conv2 dcols (16x150)^T @ g', 150, 16, 100, { batch: 64, ta: true, sharedA: true }),
  mm('lenet fc1 fwd 64x400 @ (120x400)^T', 64, 400, 120, { tb: true }),
  {
    name: 'conv2d 64x1x28x28 -> 32, 3x3',
    kind: 'conv2d',
    N: 64,
    Cin: 1,
    Cout: 32,
    H: 28,
    W: 28,
    k: 3,
    padding: 1,
  },
  {
    name: 'conv2d 64x32x14x14 -> 64, 3x3',
    kind: 'conv2d',
    N: 64,
    Cin: 32,
    Cout: 64,
    H: 14,
    W: 14,
    k: 3,
    padding: 1,
  },
];

function flops(c) {
  if (c.kind === 'conv2d') return 2 * c.N * c.Cout * c.Cin * c.k * c.k * c.H * c.W; // same-size output
  return 2 * c.batch * c.M * c.N * c.K;
}

// Deterministic pseudo-random values in [-1, 1) (no dependency on the RNG module).
let seed = 12345;
function rand(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return tensor(a).reshape(shape);
}

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

function operands(c) {
  const leadA = c.batch === 1 || c.sharedA ? [] : [c.batch];
  const leadB = c.batch === 1 ? [] : [c.batch];
  const a = c.ta ? rand([...leadA, c.K, c.M]).transpose(-1, -2) : rand([...leadA, c.M, c.K]);
  const b = c.tb ? rand([...leadB, c.N, c.K]).transpose(-1, -2) : rand([...leadB, c.K, c.N]);
  return [a, b];
}

function makeCase(c) {
  if (c.kind === 'conv2d') {
    const x = rand([c.N, c.Cin, c.H, c.W]);
    const w = rand([c.Cout, c.Cin, c.k, c.k]);
    const b = rand([c.Cout]);
    return () => conv2d(x, w, b, { padding: c.padding });
  }
  const [a, b] = operands(c);
  return () => matmul(a, b);
}

function now() {
  if (CLOCK === 'wall') return performance.now() / 1e3;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Median seconds per call over 7 batches of calls lasting at least 10 ms each. */
function timeCase(fn) {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 >= 10 || reps >= 1 << 16) break;
    reps *= 2;
  }
  const samples = [];
  for (let b = 0; b < 7; b++) {
    const t0 = now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((now() - t0) / reps);
  }
  samples.sort((x, y) => x - y);
  return samples[3];
}

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
