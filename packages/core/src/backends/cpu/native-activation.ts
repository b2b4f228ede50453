/**
 * `geluBackward` (contract in activation-grad.ts) and `softmax` / `softmaxBackward` (softmax.ts) on
 * the native addon, for float32 operands.
 */
import type { Kernel } from '../../backend.js';
import { cpuContiguousData, newCpuTensorUninitialized } from './memory.js';
import type { NativeAddon } from './native.js';

// One reusable spec buffer: kernels run synchronously, so calls never overlap.
const spec = new Float64Array(3);

/** `geluBackward` on the addon. */
export function geluBackwardKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [g, x] = inputs;
    if (g.dtype !== 'float32' || x.dtype !== 'float32' || g.numel === 0) return fallback(inputs, a);
    const { tensor, data } = newCpuTensorUninitialized(g.shape, 'float32');
    spec[0] = g.numel;
    spec[1] = a.approximate === 'tanh' ? 1 : 0;
    addon.geluBackward(
      cpuContiguousData(g) as Float32Array,
      cpuContiguousData(x) as Float32Array,
      data as Float32Array,
      spec,
    );
    return [tensor];
  };
}

/** `softmax` on the addon. */
export function softmaxKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [x] = inputs;
    const size = a.size as number;
    if (x.dtype !== 'float32' || x.numel === 0 || size < 1) return fallback(inputs, a);
    const { tensor, data } = newCpuTensorUninitialized(x.shape, 'float32');
    spec[0] = x.numel / size;
    spec[1] = size;
    spec[2] = a.log === true ? 1 : 0;
    addon.softmax(cpuContiguousData(x) as Float32Array, data as Float32Array, spec);
    return [tensor];
  };
}

/** `softmaxBackward` on the addon. */
export function softmaxBackwardKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [g, y] = inputs;
    const size = a.size as number;
    if (g.dtype !== 'float32' || y.dtype !== 'float32' || y.numel === 0 || size < 1)
      return fallback(inputs, a);
    const { tensor, data } = newCpuTensorUninitialized(y.shape, 'float32');
    spec[0] = y.numel / size;
    spec[1] = size;
    spec[2] = a.log === true ? 1 : 0;
    addon.softmaxBackward(
      cpuContiguousData(g) as Float32Array,
      cpuContiguousData(y) as Float32Array,
      data as Float32Array,
      spec,
    );
    return [tensor];
  };
}
