// Matrix-multiplication benchmark: square float32 matmul at 128, 256 and 512. Prints GFLOP/s
// (2*n^3 flops per product, median of several runs) and the ratio against a plain JS i-k-j loop
// over Float32Arrays (the reference). Run after `pnpm build`:
//   node bench/matmul.bench.mjs
import { matmul, tensor } from '@kindling/core';

/** Median seconds per call of `fn`, after warm-up. */
function time(fn, reps) {
  for (let i = 0; i < 2; i++) fn();
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// Deterministic pseudo-random values in [-1, 1) (no dependency on the RNG module).
let seed = 12345;
function randomMatrix(n) {
  const host = new Float32Array(n * n);
  for (let i = 0; i < host.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    host[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return host;
}

/** The reference: the textbook i-k-j loop, accumulating into the output row. */
function naive(a, b, n) {
  const c = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      const bo = k * n;
      const co = i * n;
      for (let j = 0; j < n; j++) c[co + j] += aik * b[bo + j];
    }
  }
  return c;
}

for (const n of [128, 256, 512]) {
  const ha = randomMatrix(n);
  const hb = randomMatrix(n);
  const a = tensor(ha).reshape([n, n]);
  const b = tensor(hb).reshape([n, n]);
  const reps = n >= 512 ? 5 : 11;
  const t = time(() => matmul(a, b), reps);
  const r = time(() => naive(ha, hb, n), reps);
  const flops = 2 * n * n * n;
  console.log(
    `matmul ${`${n}x${n}`.padEnd(7)} f32: ${(flops / t / 1e9).toFixed(2).padStart(6)} GFLOP/s  ${(t * 1e3).toFixed(2)} ms  (plain JS loop ${(flops / r / 1e9).toFixed(2)} GFLOP/s; ratio ${(r / t).toFixed(2)}x)`,
  );
}
