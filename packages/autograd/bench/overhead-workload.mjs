// The per-op overhead workload of the CPU benchmarks, shared by overhead.bench.mjs and the
// `pnpm bench` table (tools/bench/table.mjs): a chain of 1,000 ops on a 4-element float32 tensor
// (alternately y = y * a and y = y + b) timed three ways: forward under noGrad, forward recording
// the graph (x requires grad), and backward through that graph. Its PyTorch twin is
// tools/bench/torch_overhead.py, its TF.js one (forward only) in tools/bench/tfjs-runner.mjs.
import { tensor } from '@kindling/core';
import { noGrad } from '@kindling/autograd';
import { clockSeconds } from '../../../tools/bench/timing.mjs';

export const OPS = 1000;
const REPS = 21;

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

/** `{ nograd, record, backward }`: median microseconds per op by `clock` (`wall` or `cpu`). */
export function overheadUsPerOp(clock = 'wall') {
  const now = () => clockSeconds(clock);
  return {
    nograd: medianUsPerOp(() =>
      noGrad(() => {
        const t0 = now();
        chain(x0);
        return now() - t0;
      }),
    ),
    record: medianUsPerOp(() => {
      const x = x0.clone().requiresGrad_();
      const t0 = now();
      chain(x);
      return now() - t0;
    }),
    backward: medianUsPerOp(() => {
      const x = x0.clone().requiresGrad_();
      const loss = chain(x).sum();
      const t0 = now();
      loss.backward();
      return now() - t0;
    }),
  };
}
