// The workloads of the `pnpm bench` table (issue 11), in table order. Each runner (Kindling,
// PyTorch, TF.js) measures them by id and reports seconds per call (per op for `overhead`); the
// definitions live with each framework's benchmarks, named by `source`:
//   matmul, conv: the case of that name in packages/core/bench/native-cases.mjs (shapes passed
//     to PyTorch as JSON, built again in TF.js);
//   overhead: packages/autograd/bench/overhead-workload.mjs (mode nograd / record / backward);
//   training: packages/nn/bench/train-workloads.mjs and packages/text/bench/gpt-workload.mjs
//     (key), tools/bench/torch_train.py (same key), tools/bench/tfjs-training.mjs (same key).
import { CASES, flops } from '../../packages/core/bench/native-cases.mjs';

const caseNamed = (name) => {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no case '${name}' in packages/core/bench/native-cases.mjs`);
  return c;
};

const matmul = (n) => ({
  id: `matmul ${n}`,
  label: `matmul ${n}x${n}x${n}`,
  group: 'matmul',
  unit: 'GFLOP/s',
  spec: caseNamed(`square ${n}`),
});

const conv = (name, label) => ({ id: label, label, group: 'conv', unit: 'ms', spec: caseNamed(name) });

const overhead = (mode, label) => ({
  id: `overhead ${mode}`,
  label: `op overhead, 4-element mul/add, ${label}`,
  group: 'overhead',
  unit: 'µs/op',
  spec: { mode },
});

const training = (key, label) => ({
  id: `train ${key}`,
  label,
  group: 'training',
  unit: 'steps/s',
  spec: { key },
});

export const WORKLOADS = [
  matmul(256),
  matmul(512),
  matmul(1024),
  matmul(2048),
  overhead('nograd', 'no grad'),
  overhead('record', 'recording the graph'),
  overhead('backward', 'backward'),
  training('mlp_sgd', 'MLP 784-256-10 b128, SGD'),
  training('mlp', 'MLP 784-256-10 b128, Adam'),
  training('lenet', 'LeNet-5 b64, SGD'),
  training('gpt', 'GPT 2L d128 4H T64 b32, AdamW'),
  conv('conv2d 64x1x28x28 -> 32, 3x3', 'conv2d fwd 64x1->32 28x28 3x3'),
  conv('conv2d 64x32x14x14 -> 64, 3x3', 'conv2d fwd 64x32->64 14x14 3x3'),
];

/** Floating-point operations of one call of a matmul or conv workload. */
export const flopsOf = (w) => flops(w.spec);

/** The workloads whose id or label contains `filter` (all without one). */
export function selectWorkloads(filter) {
  if (!filter) return WORKLOADS;
  return WORKLOADS.filter((w) => w.id.includes(filter) || w.label.includes(filter));
}
