/**
 * The fused convolution primitives (contract in conv-fused.ts) on the native addon, for float32
 * operands; other dtypes go to the JavaScript kernels.
 */
import type { Kernel } from '../../backend.js';
import type { Attrs } from '../../dispatch.js';
import type { Tensor } from '../../tensor.js';
import { cpuContiguousData, newCpuTensor, newCpuTensorUninitialized } from './memory.js';
import type { NativeAddon } from './native.js';

type Pair = [number, number];

const EMPTY = new Float32Array(0);
// One reusable spec buffer: kernels run synchronously, so calls never overlap.
const spec = new Float64Array(15);

/** `[N, C, H, W, Cout, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow]` of a convolution. */
function writeConvSpec(x: readonly number[], cout: number, a: Attrs): void {
  const [kh, kw] = a.kernel as Pair;
  const [dh, dw] = a.dilation as Pair;
  const [ph, pw] = a.padding as Pair;
  const [sh, sw] = a.stride as Pair;
  const [oh, ow] = a.grid as Pair;
  spec.set([x[0], x[1], x[2], x[3], cout, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow]);
}

const f32 = (t: Tensor) => cpuContiguousData(t) as Float32Array;
const allF32 = (ts: (Tensor | undefined)[]) => ts.every((t) => !t || t.dtype === 'float32');

/** `conv2d` on the addon. */
export function conv2dKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [x, weight, bias] = inputs;
    if (!allF32(inputs) || x.numel === 0 || weight.numel === 0) return fallback(inputs, a);
    const [oh, ow] = a.grid as Pair;
    const cout = weight.shape[0];
    const { tensor, data } = newCpuTensorUninitialized([x.shape[0], cout, oh, ow], 'float32');
    writeConvSpec(x.shape, cout, a);
    addon.conv2dForward(f32(x), f32(weight), bias ? f32(bias) : EMPTY, data as Float32Array, spec);
    return [tensor];
  };
}

/** `conv2dBackwardInput` on the addon. */
export function conv2dBackwardInputKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [g, weight] = inputs;
    if (!allF32(inputs) || g.numel === 0 || weight.numel === 0) return fallback(inputs, a);
    const [h, w] = a.inputSize as Pair;
    const shape = [g.shape[0], weight.shape[1], h, w];
    const { tensor, data } = newCpuTensor(shape, 'float32');
    writeConvSpec(shape, weight.shape[0], a);
    addon.conv2dBackwardInput(f32(g), f32(weight), data as Float32Array, spec);
    return [tensor];
  };
}

/** `conv2dBackwardWeight` on the addon. */
export function conv2dBackwardWeightKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [g, x] = inputs;
    if (!allF32(inputs) || g.numel === 0 || x.numel === 0) return fallback(inputs, a);
    const [kh, kw] = a.kernel as Pair;
    const cout = g.shape[1];
    const { tensor, data } = newCpuTensorUninitialized([cout, x.shape[1], kh, kw], 'float32');
    writeConvSpec(x.shape, cout, a);
    addon.conv2dBackwardWeight(f32(g), f32(x), data as Float32Array, spec);
    return [tensor];
  };
}

/** `maxPool2dBackward` on the addon (it checks every index against the plane size). */
export function maxPool2dBackwardKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [g, indices] = inputs;
    if (g.dtype !== 'float32' || g.numel === 0) return fallback(inputs, a);
    const [n, c, oh, ow] = g.shape;
    const [h, w] = a.inputSize as Pair;
    const { tensor, data } = newCpuTensor([n, c, h, w], 'float32');
    spec.set([n * c, h * w, oh * ow]);
    addon.maxPool2dBackward(f32(g), cpuContiguousData(indices) as Int32Array, data as Float32Array, spec);
    return [tensor];
  };
}
