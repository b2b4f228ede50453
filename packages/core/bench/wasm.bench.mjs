// WebAssembly SIMD kernels against TensorFlow.js's wasm backend (XNNPACK), in one run: float32
// matmul, square 256..1024 and the products of the MLP 784-256-10 training step (batch 128),
// then elementwise ops and sums on 1024x1024 tensors; one thread each. Prints GFLOP/s (matmul) or
// millions of output elements per second (the rest) through the tensor API of Kindling's WASM kernels
// (`useKernels('wasm')`; copies into and out of the module's memory included), of Kindling's
// JavaScript kernels, of the native addon when built (for scale), and of tfjs-wasm
// (`setThreadsCount(1)`; operands already in its memory, output left there), the ratio
// Kindling WASM / tfjs-wasm, and `copy%`: the share of the WASM matmul's time that copying A and B
// into a WebAssembly memory and C out of one takes (timed on their own, same sizes). The first line says which WASM variant ran (`simd128`; with
// `node --experimental-wasm-relaxed-simd` on Node 20, `relaxed-simd`: fused multiply-adds).
//
// Timing: tools/bench/timing.mjs (median of 7 batches of calls, process CPU time; BENCH_CLOCK=wall
// for wall clock). Run after `npx nx run @kindling/core:build`:
//   node bench/wasm.bench.mjs
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { add, getBackendInfo, matmul, mul, relu, sum, tensor, useKernels } from '@kindling/core';
import { benchClock, timeCalls } from '../../../tools/bench/timing.mjs';

const CLOCK = benchClock();

/** A case: A [M, K] (stored transposed when ta) @ B [K, N] (stored transposed when tb). */
const mm = (name, M, K, N, o = {}) => ({ name, M, K, N, ta: o.ta ?? false, tb: o.tb ?? false });
const CASES = [
  mm('square 256', 256, 256, 256),
  mm('square 512', 512, 512, 512),
  mm('square 1024', 1024, 1024, 1024),
  // MLP 784-256-10, batch 128: y = x W^T, dW = g^T x, dx = g W.
  mm('mlp fc1 fwd 128x784 @ (256x784)^T', 128, 784, 256, { tb: true }),
  mm('mlp fc1 dW (128x256)^T @ 128x784', 256, 128, 784, { ta: true }),
  mm('mlp fc1 dx 128x256 @ 256x784', 128, 256, 784),
  mm('mlp fc2 fwd 128x256 @ (10x256)^T', 128, 256, 10, { tb: true }),
  mm('mlp fc2 dW (128x10)^T @ 128x256', 10, 128, 256, { ta: true }),
  mm('mlp fc2 dx 128x10 @ 10x256', 128, 10, 256),
];

// Deterministic values in [-1, 1).
let seed = 12345;
function values(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return a;
}

/** The stored operands of a case: row-major data of A (or A^T) and B (or B^T). */
function caseData(c) {
  return { a: values(c.M * c.K), b: values(c.K * c.N) };
}

function kindlingCall(c, { a, b }) {
  const ta = c.ta ? tensor(a).reshape([c.K, c.M]).t() : tensor(a).reshape([c.M, c.K]);
  const tb = c.tb ? tensor(b).reshape([c.N, c.K]).t() : tensor(b).reshape([c.K, c.N]);
  return () => matmul(ta, tb);
}

/** tfjs with its wasm backend on one thread, or null (with the reason printed) when it fails. */
async function loadTfjsWasm() {
  try {
    const require = createRequire(import.meta.url);
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(`${join(dist, '/')}`);
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) failed');
    await tf.ready();
    return tf;
  } catch (e) {
    console.log(`tfjs-wasm unavailable (${e instanceof Error ? e.message.split('\n')[0] : e})`);
    return null;
  }
}

function tfjsCall(tf, c, { a, b }) {
  const ta = tf.tensor2d(a, c.ta ? [c.K, c.M] : [c.M, c.K]);
  const tb = tf.tensor2d(b, c.tb ? [c.N, c.K] : [c.K, c.N]);
  return () => tf.matMul(ta, tb, c.ta, c.tb).dispose();
}

/** Seconds of the copies the WASM kernel makes for one product (A and B in, C out). */
function copySeconds(c, { a, b }) {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(((a.length + b.length) * 4) / 65536) + 1 });
  const mem = new Float32Array(memory.buffer);
  const out = new Float32Array(c.M * c.N);
  return timeCalls(() => {
    mem.set(a, 0);
    mem.set(b, a.length);
    out.set(mem.subarray(0, out.length));
  })[CLOCK];
}

const gflops = (c, seconds) => (seconds ? (2 * c.M * c.N * c.K) / seconds / 1e9 : null);
const fmt = (v, w = 7) => (v === null ? '-' : v.toFixed(1)).padStart(w);

const info = getBackendInfo();
const tf = await loadTfjsWasm();
useKernels('wasm');
console.log(
  `Kindling WASM variant: ${getBackendInfo().isa}; tfjs-wasm: ${tf ? `${tf.getBackend()} (1 thread)` : '-'}; native: ${info.nativeAvailable ? info.isa : 'not built'}; clock: ${CLOCK}`,
);
console.log(
  `${'case (GFLOP/s)'.padEnd(36)} ${'wasm'.padStart(7)} ${'js'.padStart(7)} ${'native'.padStart(7)} ${'tfjs-w'.padStart(7)} ${'wasm/tf'.padStart(7)} ${'wasm/js'.padStart(7)} ${'copy%'.padStart(6)}`,
);
for (const c of CASES) {
  const data = caseData(c);
  const call = kindlingCall(c, data);
  const time = (set) => {
    useKernels(set);
    return timeCalls(call)[CLOCK];
  };
  const wasmSeconds = time('wasm');
  const wasm = gflops(c, wasmSeconds);
  const copyShare = (100 * copySeconds(c, data)) / wasmSeconds;
  const js = gflops(c, time('js'));
  const native = info.nativeAvailable ? gflops(c, time('native')) : null;
  const tfw = tf ? gflops(c, timeCalls(tfjsCall(tf, c, data))[CLOCK]) : null;
  console.log(
    `${c.name.padEnd(36)} ${fmt(wasm)} ${fmt(js)} ${fmt(native)} ${fmt(tfw)} ${fmt(tfw && wasm / tfw, 6)}x ${fmt(wasm / js, 6)}x ${fmt(copyShare, 5)}%`,
  );
}

/** Elementwise and reduction cases on 1024x1024 float32 tensors: Kindling's call and tfjs's. */
const n = 1024;
const x = values(n * n);
const y = values(n * n);
const EW = [
  ['add', (k) => () => add(k.x, k.y), (t) => () => t.add(t.x, t.y)],
  ['add row (bias)', (k) => () => add(k.x, k.row), (t) => () => t.add(t.x, t.row)],
  ['mul column', (k) => () => mul(k.x, k.col), (t) => () => t.mul(t.x, t.col)],
  ['relu', (k) => () => relu(k.x), (t) => () => t.relu(t.x)],
  ['sum all', (k) => () => sum(k.x), (t) => () => t.sum(t.x)],
  ['sum dim 1 (rows)', (k) => () => sum(k.x, 1), (t) => () => t.sum(t.x, 1)],
  ['sum dim 0 (columns)', (k) => () => sum(k.x, 0), (t) => () => t.sum(t.x, 0)],
];
const kx = {
  x: tensor(x).reshape([n, n]),
  y: tensor(y).reshape([n, n]),
  row: tensor(y.subarray(0, n)),
  col: tensor(y.subarray(0, n)).reshape([n, 1]),
};
const tx = tf && {
  x: tf.tensor2d(x, [n, n]),
  y: tf.tensor2d(y, [n, n]),
  row: tf.tensor1d(y.subarray(0, n)),
  col: tf.tensor2d(y.subarray(0, n), [n, 1]),
};
console.log(
  `\n${'1024x1024 (M elements/s)'.padEnd(36)} ${'wasm'.padStart(7)} ${'js'.padStart(7)} ${'native'.padStart(7)} ${'tfjs-w'.padStart(7)} ${'wasm/tf'.padStart(7)} ${'wasm/js'.padStart(7)}`,
);
for (const [name, ours, theirs] of EW) {
  const call = ours(kx);
  const rate = (seconds) => (seconds ? (n * n) / seconds / 1e6 : null);
  const time = (set) => {
    useKernels(set);
    return rate(timeCalls(call)[CLOCK]);
  };
  const wasm = time('wasm');
  const js = time('js');
  const native = info.nativeAvailable ? time('native') : null;
  let tfw = null;
  if (tf) {
    const f = theirs({ ...tf, ...tx });
    tfw = rate(timeCalls(() => f().dispose())[CLOCK]);
  }
  console.log(
    `${name.padEnd(36)} ${fmt(wasm, 7)} ${fmt(js, 7)} ${fmt(native, 7)} ${fmt(tfw, 7)} ${fmt(tfw && wasm / tfw, 6)}x ${fmt(wasm / js, 6)}x`,
  );
}
