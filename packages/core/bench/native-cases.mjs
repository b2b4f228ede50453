// The matmul and conv2d cases of the native-kernel benchmark (native.bench.mjs), shared with the
// `pnpm bench` table (tools/bench/workloads.mjs). Plain data: Kindling builds the operands in
// case-operands.mjs, PyTorch from the cases' JSON in tools/bench/torch_matmul.py, TF.js in
// tools/bench/tfjs-runner.mjs.

/** A matmul case: A [M, K] (stored transposed when ta, shared by the batch when sharedA) @ B [K, N]. */
export const mm = (name, M, K, N, o = {}) => ({
  name,
  kind: 'matmul',
  batch: o.batch ?? 1,
  M,
  K,
  N,
  ta: o.ta ?? false,
  tb: o.tb ?? false,
  sharedA: o.sharedA ?? false,
});

export const CASES = [
  mm('square 256', 256, 256, 256),
  mm('square 512', 512, 512, 512),
  mm('square 1024', 1024, 1024, 1024),
  mm('square 2048', 2048, 2048, 2048),
  // MLP 784-256-10, batch 128: y = x W^T, dW = g^T x, dx = g W.
  mm('mlp fc1 fwd 128x784 @ (256x784)^T', 128, 784, 256, { tb: true }),
  mm('mlp fc1 dW (128x256)^T @ 128x784', 256, 128, 784, { ta: true }),
  mm('mlp fc1 dx 128x256 @ 256x784', 128, 256, 784),
  mm('mlp fc2 fwd 128x256 @ (10x256)^T', 128, 256, 10, { tb: true }),
  mm('mlp fc2 dW (128x10)^T @ 128x256', 10, 128, 256, { ta: true }),
  mm('mlp fc2 dx 128x10 @ 10x256', 128, 10, 256),
  // LeNet-5, batch 64: convolutions as weight @ im2col columns, per sample.
  mm('lenet conv1 6x25 @ 64x25x784', 6, 25, 784, { batch: 64, sharedA: true }),
  mm('lenet conv2 16x150 @ 64x150x100', 16, 150, 100, { batch: 64, sharedA: true }),
  mm('lenet conv2 dW 64x16x100 @ ^T', 16, 100, 150, { batch: 64, tb: true }),
  mm('lenet conv2 dcols (16x150)^T @ g', 150, 16, 100, { batch: 64, ta: true, sharedA: true }),
  mm('lenet fc1 fwd 64x400 @ (120x400)^T', 64, 400, 120, { tb: true }),
  {
    name: 'conv2d 64x1x28x28 -> 32, 3x3',
    kind: 'conv2d',
    N: 64,
    Cin: 1,
    Cout: 32,
    H: 28,
    W: 28,
    k: 3,
    padding: 1,
  },
  {
    name: 'conv2d 64x32x14x14 -> 64, 3x3',
    kind: 'conv2d',
    N: 64,
    Cin: 32,
    Cout: 64,
    H: 14,
    W: 14,
    k: 3,
    padding: 1,
  },
];

/** Floating-point operations of one call of a case. */
export function flops(c) {
  if (c.kind === 'conv2d') return 2 * c.N * c.Cout * c.Cin * c.k * c.k * c.H * c.W; // same-size output
  return 2 * c.batch * c.M * c.N * c.K;
}
