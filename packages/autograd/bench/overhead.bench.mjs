// Per-op overhead of the autograd layer against PyTorch 1.13: the chain of 1,000 tiny ops of
// overhead-workload.mjs timed three ways (forward under noGrad, forward recording the graph,
// backward). Figures are medians over repetitions, in microseconds per op by wall clock (process
// CPU time with BENCH_CLOCK=cpu); the reference is tools/bench/torch_overhead.py (run with
// /usr/bin/python3, 1 thread) and the ratio is ours / PyTorch's time (lower is better).
// Run after `pnpm build`: node bench/overhead.bench.mjs (BENCH_PYTHON overrides the Python used).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPS, overheadUsPerOp } from './overhead-workload.mjs';

const CLOCK = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const ours = overheadUsPerOp(CLOCK);

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
  const r = spawnSync(py, [join(root, 'tools/bench/torch_overhead.py'), '--json', '--clock', CLOCK], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.log(`PyTorch reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const ref = torchReference();
console.log(
  `${OPS} ops (mul/add) on 4 float32 elements, us per op (${CLOCK} clock)${ref ? `; reference PyTorch ${ref.torch}, 1 thread` : ''}`,
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
