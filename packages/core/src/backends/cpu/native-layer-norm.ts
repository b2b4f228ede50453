/** `layerNorm` / `layerNormBackward` (contract in layer-norm.ts) on the native addon, for float32. */
import type { Kernel } from '../../backend.js';
import type { Tensor } from '../../tensor.js';
import { cpuContiguousData, newCpuTensorUninitialized } from './memory.js';
import type { NativeAddon } from './native.js';

const EMPTY = new Float32Array(0);
// One reusable spec buffer: kernels run synchronously, so calls never overlap.
const spec = new Float64Array(3);

const f32 = (t: Tensor | undefined) => (t ? (cpuContiguousData(t) as Float32Array) : EMPTY);
const allF32 = (ts: Tensor[]) => ts.every((t) => t.dtype === 'float32');
const out = (shape: readonly number[]) => newCpuTensorUninitialized(shape, 'float32');

/** `layerNorm` on the addon. */
export function layerNormKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [x, w, b] = inputs;
    const size = a.size as number;
    if (!allF32(inputs) || size < 1 || x.numel === 0) return fallback(inputs, a);
    const rows = x.numel / size;
    const y = out(x.shape);
    const mean = out([rows]);
    const rstd = out([rows]);
    spec[0] = rows;
    spec[1] = size;
    spec[2] = a.eps as number;
    addon.layerNorm(
      f32(x),
      f32(w),
      f32(b),
      y.data as Float32Array,
      mean.data as Float32Array,
      rstd.data as Float32Array,
      spec,
    );
    return [y.tensor, mean.tensor, rstd.tensor];
  };
}

/** `layerNormBackward` on the addon. */
export function layerNormBackwardKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [g, x, mean, rstd, w] = inputs;
    const size = a.size as number;
    if (!allF32(inputs) || size < 1 || x.numel === 0) return fallback(inputs, a);
    const affine = a.affine as string;
    const dx = out(x.shape);
    const dw = out([affine === 'none' ? 0 : size]);
    const db = out([affine === 'both' ? size : 0]);
    spec[0] = x.numel / size;
    spec[1] = size;
    addon.layerNormBackward(
      f32(g),
      f32(x),
      f32(mean),
      f32(rstd),
      f32(w),
      dx.data as Float32Array,
      dw.data as Float32Array,
      db.data as Float32Array,
      spec,
    );
    return [dx.tensor, dw.tensor, db.tensor];
  };
}
