// Kindling operands and calls for the cases of native-cases.mjs (deterministic inputs).
import { conv2d, matmul, tensor } from '@kindling/core';

// Deterministic pseudo-random values in [-1, 1) (no dependency on the RNG module).
let seed = 12345;
export function rand(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return tensor(a).reshape(shape);
}

/** The operands A and B of a matmul case (A transposed in storage when ta, B when tb). */
export function operands(c) {
  const leadA = c.batch === 1 || c.sharedA ? [] : [c.batch];
  const leadB = c.batch === 1 ? [] : [c.batch];
  const a = c.ta ? rand([...leadA, c.K, c.M]).transpose(-1, -2) : rand([...leadA, c.M, c.K]);
  const b = c.tb ? rand([...leadB, c.N, c.K]).transpose(-1, -2) : rand([...leadB, c.K, c.N]);
  return [a, b];
}

/** The call a case times: matmul of its operands, or conv2d with bias. */
export function makeCase(c) {
  if (c.kind === 'conv2d') {
    const x = rand([c.N, c.Cin, c.H, c.W]);
    const w = rand([c.Cout, c.Cin, c.k, c.k]);
    const b = rand([c.Cout]);
    return () => conv2d(x, w, b, { padding: c.padding });
  }
  const [a, b] = operands(c);
  return () => matmul(a, b);
}
