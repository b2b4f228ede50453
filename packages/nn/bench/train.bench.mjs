// Train-step throughput (steps/s) against PyTorch 1.13 on the same models and data: the workloads
// of train-workloads.mjs (MLP 784-256-10 batch 128 with Adam and with SGD, LeNet-5 batch 64 with
// SGD+momentum). The reference is tools/bench/torch_train.py (run with /usr/bin/python3), timed with
// 1 thread (like for like: our CPU backend is single-threaded) and with PyTorch's default thread
// count; the ratio is ours / PyTorch's. Both sides report 1 / the median time per step over
// batches of steps (tools/bench/timing.mjs) by wall clock, or process CPU time with
// BENCH_CLOCK=cpu. Run after `pnpm build`: node bench/train.bench.mjs (BENCH_SECONDS sets the
// timing window per case, BENCH_PYTHON the Python used).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stepsPerSecond } from '../../../tools/bench/timing.mjs';
import { trainingWorkloads as cases } from './train-workloads.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const CLOCK = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

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
  const r = spawnSync(
    py,
    [
      join(root, 'tools/bench/torch_train.py'),
      '--json',
      '--seconds',
      String(SECONDS),
      '--cases',
      Object.keys(cases).join(','),
      '--clock',
      CLOCK,
    ],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) {
    console.log(`PyTorch reference failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const ours = {};
for (const [name, c] of Object.entries(cases)) ours[name] = stepsPerSecond(c.setup(), SECONDS, CLOCK);
const ref = torchReference();
if (ref)
  console.log(`reference: PyTorch ${ref.torch}, default threads ${ref.default_threads}; ${CLOCK} clock`);
const fmt = (v) => v.toFixed(1).padStart(7);
for (const [name, c] of Object.entries(cases)) {
  let line = `train ${c.label.padEnd(34)} ${fmt(ours[name])} steps/s`;
  const t = ref?.results[name];
  if (t) {
    line += `   PyTorch 1 thread ${fmt(t['1'])} steps/s (ratio ${(ours[name] / t['1']).toFixed(2)}x)`;
    if (ref.default_threads > 1) {
      line += `, ${ref.default_threads} threads ${fmt(t.default)} (ratio ${(ours[name] / t.default).toFixed(2)}x)`;
    }
  }
  console.log(line);
}
