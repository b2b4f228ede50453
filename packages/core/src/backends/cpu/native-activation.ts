/** `geluBackward` (contract in activation-grad.ts) on the native addon, for float32 operands. */
import type { Kernel } from '../../backend.js';
import { cpuContiguousData, newCpuTensorUninitialized } from './memory.js';
import type { NativeAddon } from './native.js';

// One reusable spec buffer: kernels run synchronously, so calls never overlap.
const spec = new Float64Array(2);

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
