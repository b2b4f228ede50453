import { getBackend, type Kernel } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { Tensor } from '../../tensor.js';
import { coalesce } from './codegen.js';
import { contiguousCopy, cpuData, newCpuTensor } from './memory.js';

/** Writes contiguous `values` into the strided view `dst`. */
export function writeStrided(dst: Tensor, values: TypedArray): void {
  const data = cpuData(dst);
  if (dst.isContiguous()) {
    data.set(values, dst.offset);
    return;
  }
  const outStrides: number[] = [];
  let s = 1;
  for (let d = dst.ndim - 1; d >= 0; d--) {
    outStrides[d] = s;
    s *= dst.shape[d];
  }
  const c = coalesce(dst.shape, [dst.strides, outStrides]);
  const nd = c.shape.length;
  if (nd === 0) {
    data[dst.offset] = values[0];
    return;
  }
  const inner = c.shape[nd - 1];
  const ts = c.strides[0][nd - 1];
  const idx = new Int32Array(nd);
  let base = dst.offset;
  let src = 0;
  for (let outer = values.length / inner; outer > 0; outer--) {
    if (ts === 1 && inner >= 32) data.set(values.subarray(src, src + inner), base);
    else for (let j = 0; j < inner; j++) data[base + j * ts] = values[src + j];
    src += inner;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      base += c.strides[0][d];
      if (idx[d] < c.shape[d]) break;
      base -= c.strides[0][d] * c.shape[d];
      idx[d] = 0;
    }
  }
}

/** `copy_(dst, src)`: src already has dst's shape (maybe broadcast) and dtype; writes in place. */
const copyInto: Kernel = ([dst, src]) => {
  const values = contiguousCopy(src, dst.dtype);
  writeStrided(dst, values);
  dst.storage.version++;
  return [dst];
};

/**
 * A copy of `base` with the slice `dim, start:end:step` replaced by `src`. With the attr
 * `zeroBase: true` the caller promises `base` is all zeros (a gradient being padded back to its
 * input's shape): the output is then allocated zero-filled instead of copied from `base`.
 */
const sliceScatter: Kernel = ([base, src], a) => {
  const out =
    a.zeroBase === true
      ? newCpuTensor(base.shape, base.dtype).tensor
      : getBackend('cpu').kernels.cast([base], { dtype: base.dtype })[0];
  const { dim, start, step } = a as { dim: number; start: number; step: number };
  const strides = [...out.strides];
  strides[dim] *= step;
  const target = new Tensor(out.storage, src.shape, strides, start * out.strides[dim]);
  writeStrided(target, contiguousCopy(src, base.dtype));
  return [out];
};

/** Copy kernels of the CPU backend. */
export const copyKernels: Record<string, Kernel> = { copy_: copyInto, sliceScatter };
