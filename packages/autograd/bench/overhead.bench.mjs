// Per-op overhead of the autograd layer against PyTorch 1.13: a chain of 1,000 ops on a 4-element
// float32 tensor (alternately y = y * a and y = y + b) timed three ways: forward under noGrad,
// forward recording the graph (x requires grad), and backward through that graph. Figures are
// medians over repetitions, in microseconds per op; the reference is tools/bench/torch_overhead.py
// (run with /usr/bin/python3, 1 thread) and the ratio is ours / PyTorch's time (lower is better).
// Run after `pnpm build`: node bench/overhead.bench.mjs (BENCH_PYTHON overrides the Python used).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '@kindling/core';
import { noGrad } from '@kindling/autograd';

const OPS = 1000;
const REPS = 21;
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const a = tensor([1.0001, 0.9999, 1.0, 1.0002]);
const b = tensor([0.001, -0.001, 0.0, 0.002]);
const x0 = tensor([0.5, -1.0, 2.0, 0.25]);

function chain(x) {
  let y = x;
  for (let i = 0; i < OPS / 2; i++) {
    y = y.mul(a);
    y = y.add(b);
  }
  return y;
}

/** Median of `fn()` (which returns seconds) over REPS runs after warm-up, in microseconds per op. */
function medianUsPerOp(fn) {
  for (let i = 0; i < 20; i++) fn();
  const samples = [];
  for (let i = 0; i < REPS; i++) samples.push(fn());
  samples.sort((p, q) => p - q);
  return (samples[samples.length >> 1] / OPS) * 1e6;
}

const seconds = (t0) => (performance.now() - t0) / 1000;

const ours = {
  nograd: medianUsPerOp(() =>
    noGrad(() => {
      const t0 = performance.now();
      chain(x0);
      return seconds(t0);
    }),
  ),
  record: medianUsPerOp(() => {
    const x = x0.clone().requiresGrad_();
    const t0 = performance.now();
    chain(x);
    return seconds(t0);
  }),
  backward: medianUsPerOp(() => {
    const x = x0.clone().requiresGrad_();
    const loss = chain(x).sum();
    const t0 = performance.now();
    loss.backward();
    return seconds(t0);
  }),
};

/** PyTorch's figures, or null (with the reason printed) when the reference cannot run. */
function torchReference() {
  const py = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.log(
      `PyTorch reference unavailable (${py} -c 'import torch' failed); printing Kindling figures only`,
    );
    return null;
  }
  const r = spawnSync(py, [join(root, 'tools/bench/torch_overhead.py'), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`PyTorch reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const ref = torchReference();
console.log(
  `${OPS} ops (mul/add) on 4 float32 elements, us per op${ref ? `; reference PyTorch ${ref.torch}, 1 thread` : ''}`,
);
const labels = { nograd: 'forward, noGrad', record: 'forward, recording', backward: 'backward' };
for (const [k, label] of Object.entries(labels)) {
  let line = `overhead ${label.padEnd(19)} ${ours[k].toFixed(2).padStart(7)} us/op`;
  if (ref) {
    const t = ref.us_per_op[k];
    line += `   PyTorch ${t.toFixed(2).padStart(6)} us/op (ratio ${(ours[k] / t).toFixed(2)}x)`;
  }
  console.log(line);
}
