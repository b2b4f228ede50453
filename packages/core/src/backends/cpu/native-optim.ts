/**
 * The fused optimizer updates (`adamUpdate_`, `sgdUpdate_`) on the native addon, for float32
 * operands; other dtypes go to the JavaScript kernels in optim.ts. The front end (ops/optim.ts)
 * only dispatches contiguous operands of one shape.
 */
import type { Kernel } from '../../backend.js';
import type { AdamUpdateOptions, SGDUpdateOptions } from '../../ops/optim.js';
import type { Tensor } from '../../tensor.js';
import { cpuData } from './memory.js';
import type { NativeAddon } from './native.js';

const EMPTY = new Float32Array(0);
// One reusable spec buffer: kernels run synchronously, so calls never overlap.
const spec = new Float64Array(9);

function f32(t: Tensor): Float32Array {
  return (cpuData(t) as Float32Array).subarray(t.offset, t.offset + t.numel);
}

/** `adamUpdate_` on the addon. */
export function adamUpdateKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    if (inputs[0].dtype !== 'float32') return fallback(inputs, attrs);
    const o = attrs as unknown as AdamUpdateOptions;
    spec.set([
      inputs[0].numel,
      o.lr,
      o.beta1,
      o.beta2,
      o.eps,
      o.weightDecay,
      o.step,
      +o.decoupled,
      +o.maximize,
    ]);
    const vmax = inputs.length > 4 ? f32(inputs[4]) : EMPTY;
    addon.adamUpdate(f32(inputs[0]), f32(inputs[1]), f32(inputs[2]), f32(inputs[3]), vmax, spec);
    for (let i = 0; i < inputs.length; i++) if (i !== 1) inputs[i].storage.version++;
    return [];
  };
}

/** `sgdUpdate_` on the addon. */
export function sgdUpdateKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    if (inputs[0].dtype !== 'float32') return fallback(inputs, attrs);
    const o = attrs as unknown as SGDUpdateOptions;
    spec.set([
      inputs[0].numel,
      o.lr,
      o.momentum,
      o.dampening,
      o.weightDecay,
      +o.nesterov,
      +o.maximize,
      +o.initBuffer,
    ]);
    const buf = inputs.length > 2 ? f32(inputs[2]) : EMPTY;
    addon.sgdUpdate(f32(inputs[0]), f32(inputs[1]), buf, spec);
    inputs[0].storage.version++;
    if (inputs.length > 2) inputs[2].storage.version++;
    return [];
  };
}
