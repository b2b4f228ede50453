/**
 * Fused layer normalisation over the last `size` elements of each row (normalised dims flattened):
 * a forward pass that keeps the row statistics, and the gradient in one pass, instead of about
 * eight elementwise ops forward and fifteen backward. nn's `layerNorm` uses them where the device
 * has them (they are optional kernels; see backend.ts).
 *
 * - `layerNorm`: inputs `[x, weight?, bias?]`: x contiguous `[..., size]`, weight/bias contiguous
 *   with `size` elements; attrs `{ size, eps, affine: 'none' | 'weight' | 'both' }` (which of
 *   weight/bias are present). Outputs `[y (x's shape), mean [rows], rstd [rows]]` with
 *   `rstd = 1 / sqrt(var + eps)` (biased variance), as PyTorch's native_layer_norm.
 * - `layerNormBackward`: inputs `[grad, x, mean, rstd, weight?]`, attrs `{ size, affine }`.
 *   Outputs `[dx, dweight, dbias]` (dweight/dbias zero-size when absent): with
 *   `xhat = (x - mean) rstd` and `h = grad * weight`, `dx = rstd (h - mean(h) - xhat mean(h xhat))`,
 *   `dweight = Σ_rows grad xhat`, `dbias = Σ_rows grad`. No derivative of its own (autograd uses
 *   it only when not recording).
 * Statistics and sums are accumulated in double.
 */
import type { Kernel } from '../../backend.js';
import type { Tensor } from '../../tensor.js';
import { cpuContiguousData, newCpuTensor } from './memory.js';

/** The affine parameters a call has. */
export type LayerNormAffine = 'none' | 'weight' | 'both';

const layerNorm: Kernel = (inputs, a) => {
  const [x, weight, bias] = inputs;
  const size = a.size as number;
  const eps = a.eps as number;
  const xd = cpuContiguousData(x);
  const w = weight ? cpuContiguousData(weight) : null;
  const b = bias ? cpuContiguousData(bias) : null;
  const rows = size === 0 ? 0 : x.numel / size;
  const y = newCpuTensor(x.shape, x.dtype);
  const mean = newCpuTensor([rows], x.dtype);
  const rstd = newCpuTensor([rows], x.dtype);
  for (let r = 0; r < rows; r++) {
    const o = r * size;
    let s = 0;
    for (let i = 0; i < size; i++) s += xd[o + i];
    const m = s / size;
    let v = 0;
    for (let i = 0; i < size; i++) v += (xd[o + i] - m) * (xd[o + i] - m);
    const rs = 1 / Math.sqrt(v / size + eps);
    mean.data[r] = m;
    rstd.data[r] = rs;
    for (let i = 0; i < size; i++) {
      let t = (xd[o + i] - m) * rs;
      if (w) t *= w[i];
      if (b) t += b[i];
      y.data[o + i] = t;
    }
  }
  return [y.tensor, mean.tensor, rstd.tensor];
};

const layerNormBackward: Kernel = (inputs, a) => {
  const [g, x, meanT, rstdT, weight] = inputs;
  const size = a.size as number;
  const affine = a.affine as LayerNormAffine;
  const gd = cpuContiguousData(g);
  const xd = cpuContiguousData(x);
  const md = cpuContiguousData(meanT);
  const rd = cpuContiguousData(rstdT);
  const w = weight ? cpuContiguousData(weight) : null;
  const rows = size === 0 ? 0 : x.numel / size;
  const dx = newCpuTensor(x.shape, x.dtype);
  const dwAcc = new Float64Array(affine === 'none' ? 0 : size);
  const dbAcc = new Float64Array(affine === 'both' ? size : 0);
  for (let r = 0; r < rows; r++) {
    const o = r * size;
    const m = md[r];
    const rs = rd[r];
    let sh = 0;
    let shx = 0;
    for (let i = 0; i < size; i++) {
      const xhat = (xd[o + i] - m) * rs;
      const h = w ? gd[o + i] * w[i] : gd[o + i];
      sh += h;
      shx += h * xhat;
      if (dwAcc.length) dwAcc[i] += gd[o + i] * xhat;
      if (dbAcc.length) dbAcc[i] += gd[o + i];
    }
    sh /= size;
    shx /= size;
    for (let i = 0; i < size; i++) {
      const xhat = (xd[o + i] - m) * rs;
      const h = w ? gd[o + i] * w[i] : gd[o + i];
      dx.data[o + i] = rs * (h - sh - xhat * shx);
    }
  }
  return [dx.tensor, paramGrad(dwAcc, x), paramGrad(dbAcc, x)];
};

function paramGrad(acc: Float64Array, like: Tensor): Tensor {
  const { tensor, data } = newCpuTensor([acc.length], like.dtype);
  data.set(acc);
  return tensor;
}

/** Fused layer-normalisation kernels of the CPU backend (JavaScript). */
export const layerNormKernels: Record<string, Kernel> = { layerNorm, layerNormBackward };
