// Train-step throughput (steps/s) against PyTorch 1.13 on the same models and data:
//   * MLP 784-256-10 (ReLU), batch 128, Adam(lr=1e-3), cross entropy;
//   * LeNet-5 (conv 1->6 k5 pad 2, ReLU, maxpool 2, conv 6->16 k5, ReLU, maxpool 2, 400-120-84-10),
//     batch 64 of 1x28x28, SGD(lr=0.01, momentum=0.9), cross entropy.
// A step is zeroGrad + forward + loss + backward + optimizer step on one fixed random batch. The
// reference is tools/bench/torch_train.py (run with /usr/bin/python3), timed with 1 thread (like
// for like: our CPU backend is single-threaded) and with PyTorch's default thread count; the
// ratio is ours / PyTorch's. Run after `pnpm build`: node bench/train.bench.mjs (BENCH_SECONDS sets
// the timing window per case, BENCH_PYTHON the Python used).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, randint, randn } from '@kindling/core';
import '@kindling/autograd';
import { Adam, Conv2d, crossEntropy, Flatten, Linear, MaxPool2d, ReLU, SGD, Sequential } from '@kindling/nn';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

const cases = {
  mlp: {
    label: 'MLP 784-256-10, batch 128, Adam',
    model: () => new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10)),
    shape: [128, 784],
    optimizer: (p) => new Adam(p, { lr: 1e-3 }),
  },
  lenet: {
    label: 'LeNet-5, batch 64, SGD+momentum',
    model: () =>
      new Sequential(
        new Conv2d(1, 6, 5, { padding: 2 }),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(6, 16, 5),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(400, 120),
        new ReLU(),
        new Linear(120, 84),
        new ReLU(),
        new Linear(84, 10),
      ),
    shape: [64, 1, 28, 28],
    optimizer: (p) => new SGD(p, { lr: 0.01, momentum: 0.9 }),
  },
};

/** Steps per second of one training setup: 5 warm-up steps, then at least SECONDS of steps. */
function stepsPerSecond({ model: make, shape, optimizer }) {
  manualSeed(0);
  const model = make();
  const opt = optimizer(model.parameters());
  const x = randn(shape);
  const y = randint(0, 10, [shape[0]]);
  const step = () => {
    opt.zeroGrad();
    const loss = crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
  };
  for (let i = 0; i < 5; i++) step();
  let n = 0;
  const t0 = performance.now();
  for (;;) {
    step();
    n++;
    const dt = (performance.now() - t0) / 1000;
    if (dt >= SECONDS && n >= 5) return n / dt;
  }
}

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
    [join(root, 'tools/bench/torch_train.py'), '--json', '--seconds', String(SECONDS)],
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
for (const [name, c] of Object.entries(cases)) ours[name] = stepsPerSecond(c);
const ref = torchReference();
if (ref) console.log(`reference: PyTorch ${ref.torch}, default threads ${ref.default_threads}`);
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
