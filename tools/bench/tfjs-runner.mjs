// TensorFlow.js's side of the `pnpm bench` table: measures the workloads of workloads.mjs with
// @tensorflow/tfjs on the WebAssembly backend (@tensorflow/tfjs-backend-wasm, SIMD; Node gives it
// no worker threads, so it runs one thread) or, with --backend cpu, the plain JavaScript backend.
// Prints one JSON line { engine: {version, backend, threads, simd}, results: { id: { seconds } |
// { error } | { skipped } } } (seconds per call, per op for overhead). A workload whose gradient
// needs a kernel the backend lacks reports "cannot train: <error>". Usage, from the repository root:
//   node tools/bench/tfjs-runner.mjs [--backend wasm|cpu] [--filter TEXT] [--seconds 2] [--batches 7]
//     [--min-seconds 0.02]        (BENCH_CLOCK=wall for wall clock; process CPU time otherwise)
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { tfjsGptStep } from './tfjs-gpt.mjs';
import { tfjsTrainingStep } from './tfjs-training.mjs';
import { benchClock, stepsPerSecond, timeCalls } from './timing.mjs';
import { selectWorkloads } from './workloads.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    filter: { type: 'string' },
    seconds: { type: 'string', default: '2' },
    batches: { type: 'string', default: '7' },
    'min-seconds': { type: 'string', default: '0.02' },
  },
});
const clock = benchClock();

/** Selects the backend; returns what the table prints about it. */
async function useBackend(name) {
  const engine = { version: tf.version.tfjs, backend: name, threads: 1, clock };
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries sit next to the package's main file; Node needs a file path to them.
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${dist}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    await tf.ready();
    engine.threads = wasm.getThreadsCount();
    engine.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    engine.multithreadSupport = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  } else {
    await tf.setBackend(name);
    await tf.ready();
  }
  return engine;
}

// Deterministic pseudo-random values in [-1, 1), as the Kindling cases use.
let seed = 12345;
function rand(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return tf.tensor(a, shape);
}

/** The call a matmul or conv case times (conv in NHWC with an HWIO filter, TF.js's layouts). */
function caseCall(c) {
  if (c.kind === 'conv2d') {
    const x = rand([c.N, c.H, c.W, c.Cin]);
    const filter = rand([c.k, c.k, c.Cin, c.Cout]);
    const bias = rand([c.Cout]);
    return () => tf.fused.conv2d({ x, filter, bias, strides: 1, pad: c.padding }).dispose();
  }
  if (c.batch !== 1) throw new Error('batched cases are not implemented here');
  const a = rand([c.M, c.K]);
  const b = rand([c.K, c.N]);
  return () => tf.matMul(a, b).dispose();
}

// The chain of packages/autograd/bench/overhead-workload.mjs: 1,000 ops, alternately y * a and y + b.
const OPS = 1000;
function overheadChain() {
  const a = tf.tensor([1.0001, 0.9999, 1.0, 1.0002]);
  const b = tf.tensor([0.001, -0.001, 0.0, 0.002]);
  const x0 = tf.tensor([0.5, -1.0, 2.0, 0.25]);
  return () =>
    tf
      .tidy(() => {
        let y = x0;
        for (let i = 0; i < OPS / 2; i++) y = tf.add(tf.mul(y, a), b);
        return y;
      })
      .dispose();
}

/** `{ seconds }` per call (per op for overhead), or why there is none. */
function measure(w) {
  const timing = { batches: Number(args.batches), minSeconds: Number(args['min-seconds']) };
  if (w.group === 'matmul' || w.group === 'conv')
    return { seconds: timeCalls(caseCall(w.spec), timing)[clock] };
  if (w.group === 'overhead') {
    if (w.spec.mode !== 'nograd') return { skipped: 'TF.js records a graph only inside tf.grad' };
    return { seconds: timeCalls(overheadChain(), { batches: 21, minSeconds: 0, warmup: 20 })[clock] / OPS };
  }
  const step = w.spec.key === 'gpt' ? tfjsGptStep(tf) : tfjsTrainingStep(tf, w.spec.key);
  try {
    step();
  } catch (e) {
    return { error: `cannot train: ${String(e?.message ?? e).split('\n')[0]}` };
  }
  return { seconds: 1 / stepsPerSecond(step, Number(args.seconds), clock) };
}

const engine = await useBackend(args.backend);
const results = {};
for (const w of selectWorkloads(args.filter)) {
  try {
    results[w.id] = measure(w);
  } catch (e) {
    results[w.id] = { error: String(e?.message ?? e).split('\n')[0] };
  }
}
engine.tensorsLeft = tf.memory().numTensors;
console.log(JSON.stringify({ engine, results }));
