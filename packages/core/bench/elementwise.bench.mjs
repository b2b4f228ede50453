/**
 * Elementwise throughput on the CPU backend: add/mul/exp over 1M contiguous float32 elements and a
 * broadcast add, in GB/s of memory traffic (inputs read + output written), plus the fixed cost of
 * one tiny (4-element) add in microseconds. Reference point: a plain typed-array loop doing the same
 * work, printed alongside as a ratio.
 */
import { add, exp, mul, rand } from '@kindling/core';

const N = 1 << 20;
const BYTES = 4;

/** Median seconds per call of `fn` over `reps` timed calls, after a warm-up. */
function time(fn, reps = 30, warm = 5) {
  for (let i = 0; i < warm; i++) fn();
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const fmt = (v, d = 2) => v.toFixed(d).padStart(8);

function report(name, seconds, bytes, refSeconds) {
  const gbs = bytes / seconds / 1e9;
  const ratio = refSeconds ? `  ${fmt(seconds / refSeconds)}x plain loop` : '';
  console.log(`${name.padEnd(28)} ${fmt(seconds * 1e3, 3)} ms  ${fmt(gbs)} GB/s${ratio}`);
}

const a = rand([N]);
const b = rand([N]);
const rowA = rand([1024, 1024]);
const rowB = rand([1024]);
const ra = a.dataSync();
const rb = b.dataSync();

const plainAdd = () => {
  const o = new Float32Array(N);
  for (let i = 0; i < N; i++) o[i] = ra[i] + rb[i];
  return o;
};
const plainExp = () => {
  const o = new Float32Array(N);
  for (let i = 0; i < N; i++) o[i] = Math.exp(ra[i]);
  return o;
};

console.log(`elementwise, ${N} float32 elements (median of 30 runs)`);
const refAdd = time(plainAdd);
const refExp = time(plainExp);
report('plain loop a + b', refAdd, 3 * N * BYTES);
report(
  'add(a, b)',
  time(() => add(a, b)),
  3 * N * BYTES,
  refAdd,
);
report(
  'mul(a, b)',
  time(() => mul(a, b)),
  3 * N * BYTES,
  refAdd,
);
report('plain loop exp(a)', refExp, 2 * N * BYTES);
report(
  'exp(a)',
  time(() => exp(a)),
  2 * N * BYTES,
  refExp,
);
report(
  'add([1024,1024], [1024])',
  time(() => add(rowA, rowB)),
  (2 * N + 1024) * BYTES,
  refAdd,
);

const tinyA = rand([4]);
const tinyB = rand([4]);
const reps = 20000;
const perCall =
  time(
    () => {
      for (let i = 0; i < reps; i++) add(tinyA, tinyB);
    },
    10,
    2,
  ) / reps;
console.log(`${'tiny add (4 elements)'.padEnd(28)} ${fmt(perCall * 1e6, 2)} µs per call (dispatch overhead)`);
