/**
 * Fused softmax and log-softmax over the last dim: one kernel instead of amax, sub, exp, sum and
 * div (and their gradients), used by `softmax` / `logSoftmax` where the device has them (optional
 * kernels; see backend.ts).
 *
 * - `softmax`: inputs `[x]` contiguous, attrs `{ size, log }` (`size` = the last dim). Output y:
 *   `exp(x - max) / Σ exp(x - max)` per row, or with `log`, `x - max - log Σ exp(x - max)`.
 * - `softmaxBackward`: inputs `[grad, y]` (y the forward output), attrs `{ size, log }`. Output
 *   `y (g - Σ g y)`, or with `log`, `g - exp(y) Σ g`. No derivative of its own (autograd uses it
 *   only when not recording). Sums in double.
 */
import type { Kernel } from '../../backend.js';
import { cpuContiguousData, newCpuTensor } from './memory.js';

const softmax: Kernel = ([x], a) => {
  const size = a.size as number;
  const log = a.log === true;
  const xd = cpuContiguousData(x);
  const { tensor, data: y } = newCpuTensor(x.shape, x.dtype);
  const rows = size === 0 ? 0 : x.numel / size;
  for (let r = 0; r < rows; r++) {
    const o = r * size;
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < size; i++) if (xd[o + i] > m || Number.isNaN(xd[o + i])) m = xd[o + i];
    // A row of -inf has no finite maximum: shifting by 0 gives exp(-inf) = 0, then 0/0 = NaN as in PyTorch.
    const shift = m === Number.NEGATIVE_INFINITY ? 0 : m;
    let s = 0;
    for (let i = 0; i < size; i++) s += Math.exp(xd[o + i] - shift);
    if (log) {
      const ls = Math.log(s);
      for (let i = 0; i < size; i++) y[o + i] = xd[o + i] - shift - ls;
    } else {
      for (let i = 0; i < size; i++) y[o + i] = Math.exp(xd[o + i] - shift) / s;
    }
  }
  return [tensor];
};

const softmaxBackward: Kernel = ([g, y], a) => {
  const size = a.size as number;
  const log = a.log === true;
  const gd = cpuContiguousData(g);
  const yd = cpuContiguousData(y);
  const { tensor, data: dx } = newCpuTensor(y.shape, y.dtype);
  const rows = size === 0 ? 0 : y.numel / size;
  for (let r = 0; r < rows; r++) {
    const o = r * size;
    let s = 0;
    if (log) {
      for (let i = 0; i < size; i++) s += gd[o + i];
      for (let i = 0; i < size; i++) dx[o + i] = gd[o + i] - Math.exp(yd[o + i]) * s;
    } else {
      for (let i = 0; i < size; i++) s += gd[o + i] * yd[o + i];
      for (let i = 0; i < size; i++) dx[o + i] = yd[o + i] * (gd[o + i] - s);
    }
  }
  return [tensor];
};

/** Fused softmax kernels of the CPU backend (JavaScript). */
export const softmaxKernels: Record<string, Kernel> = { softmax, softmaxBackward };
