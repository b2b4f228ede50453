/**
 * Fused activation gradients: `geluBackward` computes GELU's input gradient in one pass, where the
 * derivative written with tensor ops takes about ten passes (and a second tanh) over the
 * activation. Autograd's GELU derivative calls it when not recording.
 *
 * - `geluBackward`: inputs `[grad, x]` of one shape and float dtype; attrs `{ approximate: 'none' |
 *   'tanh' }`. Output `grad * gelu'(x)`: `Φ(x) + x φ(x)` (exact), or for the tanh form, with
 *   `t = tanh(√(2/π) (x + 0.044715 x³))`, `0.5 (1 + t) + 0.5 x (1 - t²) √(2/π) (1 + 3·0.044715 x²)`.
 *   No derivative of its own.
 */
import type { Kernel } from '../../backend.js';
import { erf } from './math.js';
import { cpuContiguousData, newCpuTensor } from './memory.js';

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** `gelu'(x)`, exact or tanh-approximated. */
export function geluDerivative(x: number, tanhForm: boolean): number {
  if (tanhForm) {
    const t = Math.tanh(GELU_K * (x + GELU_C * x * x * x));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x);
  }
  return 0.5 * (1 + erf(x / Math.SQRT2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
}

const geluBackward: Kernel = ([g, x], a) => {
  const tanhForm = a.approximate === 'tanh';
  const gd = cpuContiguousData(g);
  const xd = cpuContiguousData(x);
  const { tensor, data } = newCpuTensor(g.shape, g.dtype);
  for (let i = 0; i < data.length; i++) data[i] = gd[i] * geluDerivative(xd[i], tanhForm);
  return [tensor];
};

/** Fused activation-gradient kernels of the CPU backend (JavaScript). */
export const activationGradKernels: Record<string, Kernel> = { geluBackward };
