// Reduction benchmark: sum over the last dim and over dim 0, and softmax over the last dim, of a
// 1024x1024 float32 tensor. Prints throughput in GB/s of input read, and the ratio against a plain
// JS loop over a Float32Array doing the same arithmetic (the reference). Run after `pnpm build`:
//   node bench/reduce.bench.mjs
import { softmax, sum, tensor } from '@kindling/core';

const N = 1024;
const BYTES = N * N * 4;

/** Median seconds per call of `fn`, after warm-up. */
function time(fn, reps = 15) {
  for (let i = 0; i < 3; i++) fn();
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// Deterministic pseudo-random values in [-2, 2) (no dependency on the RNG module).
const host = new Float32Array(N * N);
let seed = 12345;
for (let i = 0; i < host.length; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  host[i] = (seed / 2 ** 32) * 4 - 2;
}
const x = tensor(host).reshape([N, N]);
const data = x.dataSync();

const refLastDim = () => {
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += data[i * N + j];
    out[i] = s;
  }
  return out;
};
const refDim0 = () => {
  const acc = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) acc[j] += data[i * N + j];
  return Float32Array.from(acc);
};
const refSoftmax = () => {
  const out = new Float32Array(N * N);
  for (let i = 0; i < N; i++) {
    const b = i * N;
    let m = -Infinity;
    for (let j = 0; j < N; j++) if (data[b + j] > m) m = data[b + j];
    let s = 0;
    for (let j = 0; j < N; j++) {
      const e = Math.exp(data[b + j] - m);
      out[b + j] = e;
      s += e;
    }
    for (let j = 0; j < N; j++) out[b + j] /= s;
  }
  return out;
};

const cases = [
  ['sum(x, -1)', () => sum(x, -1), refLastDim],
  ['sum(x, 0)', () => sum(x, 0), refDim0],
  ['softmax(x, -1)', () => softmax(x, -1), refSoftmax],
];
for (const [name, run, ref] of cases) {
  const t = time(run);
  const r = time(ref);
  const gbs = BYTES / t / 1e9;
  console.log(
    `reduce ${name.padEnd(15)} 1024x1024 f32: ${gbs.toFixed(2).padStart(6)} GB/s  ${(t * 1e3).toFixed(2)} ms  (plain JS loop ${(BYTES / r / 1e9).toFixed(2)} GB/s; ratio ${(r / t).toFixed(2)}x)`,
  );
}
