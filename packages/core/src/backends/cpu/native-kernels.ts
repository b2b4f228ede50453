/**
 * CPU kernels backed by the native addon (see `native.ts`), each with the same contract as the
 * JavaScript kernel it replaces (`bmm` in matmul.ts, `im2col`/`col2im`/`maxPool2d` in conv.ts,
 * elementwise ops and `cast` in elementwise.ts, `copy_` in copy.ts, `sum` in reduce.ts, the
 * optimizer updates of optim.ts via native-optim.ts, fused convolutions of conv-fused.ts via native-conv.ts). They take the native path for float32 operands and hand
 * every other case (other dtypes, tiny tensors where a call costs more than it saves, layouts the
 * addon does not cover) to that JavaScript kernel, so results never depend on which set is active
 * beyond float32 rounding in `bmm` (fused multiply-adds, blocked summation).
 */
import type { Kernel } from '../../backend.js';
import type { Attrs } from '../../dispatch.js';
import type { DType } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { coalesce } from './codegen.js';
import { cpuContiguousData, cpuData, newCpuTensor, newCpuTensorUninitialized } from './memory.js';
import type { NativeAddon } from './native.js';
import { contiguousSumBlock } from './sum-block.js';
import {
  conv2dBackwardInputKernel,
  conv2dBackwardWeightKernel,
  conv2dKernel,
  maxPool2dBackwardKernel,
} from './native-conv.js';
import { geluBackwardKernel, softmaxBackwardKernel, softmaxKernel } from './native-activation.js';
import { layerNormBackwardKernel, layerNormKernel } from './native-layer-norm.js';
import { adamUpdateKernel, sgdUpdateKernel } from './native-optim.js';

/** Below this many output elements the JavaScript elementwise and reduction kernels are used. */
const MIN_ELEMENTWISE = 512;
/** Most dims the addon's elementwise loop takes (after merging contiguous dims). */
const MAX_DIMS = 8;

/** Opcodes of `native/src/elementwise.h` (BinaryOp / UnaryOp). */
const BINARY_OPS: Record<string, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  maximum: 4,
  minimum: 5,
  eq: 6,
  ne: 7,
  lt: 8,
  le: 9,
  gt: 10,
  ge: 11,
};
const FIRST_COMPARISON = 6;
const UNARY_OPS: Record<string, number> = {
  neg: 0,
  abs: 1,
  relu: 2,
  sqrt: 3,
  square: 4,
  exp: 6,
  expm1: 7,
  log: 8,
  log1p: 9,
  sin: 10,
  cos: 11,
  tanh: 12,
  sigmoid: 13,
  silu: 14,
  gelu: 15,
  geluTanh: 16,
  erf: 17,
  rsqrt: 18,
  reciprocal: 19,
};
const COPY = 5;

// One reusable spec buffer: kernels run synchronously, so calls never overlap.
const spec = new Float64Array(64);

/** Contiguous row-major strides of a shape. */
function contiguousStrides(shape: readonly number[]): number[] {
  const s: number[] = new Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/**
 * Writes `[ndim, shape..., then per input offset and strides]` of an elementwise op over inputs
 * of one (broadcast) shape into `spec`; false when the layout has too many dims for the addon.
 */
function writeElementwiseSpec(inputs: Tensor[]): boolean {
  const shape = inputs[0].shape;
  const c = coalesce(shape, [contiguousStrides(shape), ...inputs.map((t) => t.strides)]);
  const nd = c.shape.length;
  if (nd > MAX_DIMS) return false;
  let p = 0;
  spec[p++] = nd;
  for (let d = 0; d < nd; d++) spec[p++] = c.shape[d];
  for (let k = 0; k < inputs.length; k++) {
    spec[p++] = inputs[k].offset;
    const st = c.strides[k + 1];
    for (let d = 0; d < nd; d++) spec[p++] = st[d];
  }
  return true;
}

const isF32 = (t: Tensor) => t.dtype === 'float32';

function binaryKernel(addon: NativeAddon, op: number, fallback: Kernel): Kernel {
  const outDtype: DType = op >= FIRST_COMPARISON ? 'bool' : 'float32';
  return (inputs, attrs) => {
    const [a, b] = inputs;
    if (
      inputs.length !== 2 ||
      !isF32(a) ||
      !isF32(b) ||
      attrs.dtype !== outDtype ||
      attrs.params !== undefined ||
      a.numel < MIN_ELEMENTWISE ||
      !writeElementwiseSpec(inputs)
    ) {
      return fallback(inputs, attrs);
    }
    const { tensor, data } = newCpuTensorUninitialized(a.shape, outDtype);
    addon.binary(
      op,
      data as Float32Array | Uint8Array,
      cpuData(a) as Float32Array,
      cpuData(b) as Float32Array,
      spec,
    );
    return [tensor];
  };
}

function unaryKernel(addon: NativeAddon, op: number, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [a] = inputs;
    if (
      inputs.length !== 1 ||
      !isF32(a) ||
      attrs.dtype !== 'float32' ||
      attrs.params !== undefined ||
      a.numel < MIN_ELEMENTWISE ||
      !writeElementwiseSpec(inputs)
    ) {
      return fallback(inputs, attrs);
    }
    const { tensor, data } = newCpuTensorUninitialized(a.shape, 'float32');
    addon.unary(op, data as Float32Array, cpuData(a) as Float32Array, spec);
    return [tensor];
  };
}

/** `cast` float32 -> float32: a contiguous copy of any strided view. */
function castKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [x] = inputs;
    if (
      !isF32(x) ||
      attrs.dtype !== 'float32' ||
      x.numel < MIN_ELEMENTWISE ||
      !writeElementwiseSpec(inputs)
    ) {
      return fallback(inputs, attrs);
    }
    const { tensor, data } = newCpuTensorUninitialized(x.shape, 'float32');
    addon.unary(COPY, data as Float32Array, cpuData(x) as Float32Array, spec);
    return [tensor];
  };
}

/**
 * `copy_(dst, src)` for a contiguous float32 dst and a float32 src (any strides, broadcast) in
 * another buffer: one pass straight into dst. Sources sharing dst's ArrayBuffer (they might
 * overlap) and other dtypes fall back (the JavaScript kernel copies src out first).
 */
function copyKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [dst, src] = inputs;
    if (
      !isF32(dst) ||
      !isF32(src) ||
      cpuData(dst).buffer === cpuData(src).buffer ||
      dst.numel < MIN_ELEMENTWISE ||
      !dst.isContiguous() ||
      !writeElementwiseSpec([src])
    ) {
      return fallback(inputs, attrs);
    }
    const out = (cpuData(dst) as Float32Array).subarray(dst.offset, dst.offset + dst.numel);
    addon.unary(COPY, out, cpuData(src) as Float32Array, spec);
    dst.storage.version++;
    return [dst];
  };
}

/**
 * `accumulate_` (accumulate.ts) as the addon's binary add writing into dst itself: each output
 * element depends only on the same element of dst, so the in-place write is safe.
 */
function accumulateKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [dst, src] = inputs;
    if (!isF32(dst) || !isF32(src) || dst.numel < MIN_ELEMENTWISE || !writeElementwiseSpec(inputs)) {
      return fallback(inputs, attrs);
    }
    const out = (cpuData(dst) as Float32Array).subarray(dst.offset, dst.offset + dst.numel);
    addon.binary(BINARY_OPS.add, out, cpuData(dst) as Float32Array, cpuData(src) as Float32Array, spec);
    dst.storage.version++;
    return [];
  };
}

function whereKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [cond, a, b] = inputs;
    if (
      inputs.length !== 3 ||
      cond.dtype !== 'bool' ||
      !isF32(a) ||
      !isF32(b) ||
      attrs.dtype !== 'float32' ||
      a.numel < MIN_ELEMENTWISE ||
      !writeElementwiseSpec(inputs)
    ) {
      return fallback(inputs, attrs);
    }
    const { tensor, data } = newCpuTensorUninitialized(a.shape, 'float32');
    addon.where(
      data as Float32Array,
      cpuData(cond) as Uint8Array,
      cpuData(a) as Float32Array,
      cpuData(b) as Float32Array,
      spec,
    );
    return [tensor];
  };
}

/** `sum` of a contiguous float32 tensor over one run of adjacent dims; anything else falls back. */
function sumKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [x] = inputs;
    const block = contiguousSumBlock(x, attrs, MIN_ELEMENTWISE);
    if (!block) return fallback(inputs, attrs);
    const { tensor, data } = newCpuTensorUninitialized(block.shape, 'float32');
    spec[0] = block.outer;
    spec[1] = block.reduce;
    spec[2] = block.inner;
    spec[3] = x.offset;
    addon.sum(cpuData(x) as Float32Array, data as Float32Array, spec);
    return [tensor];
  };
}

type Pair = [number, number];

/** Writes `[N, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow]` into `spec`. */
function writeWindowSpec(dims: readonly number[], a: Attrs): void {
  const parts = [a.kernel, a.dilation, a.padding, a.stride, a.grid] as Pair[];
  for (let i = 0; i < 4; i++) spec[i] = dims[i];
  for (let i = 0; i < 5; i++) {
    spec[4 + 2 * i] = parts[i][0];
    spec[5 + 2 * i] = parts[i][1];
  }
}

function im2colKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [x] = inputs;
    if (!isF32(x)) return fallback(inputs, a);
    const [N, C] = x.shape;
    const [kh, kw] = a.kernel as Pair;
    const [oh, ow] = a.grid as Pair;
    const { tensor, data } = newCpuTensorUninitialized([N, C * kh * kw, oh * ow], 'float32');
    if (data.length === 0) return [tensor];
    writeWindowSpec(x.shape, a);
    spec[14] = (a.padValue as number | undefined) ?? 0;
    addon.im2col(cpuContiguousData(x) as Float32Array, data as Float32Array, spec);
    return [tensor];
  };
}

function col2imKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [cols] = inputs;
    if (!isF32(cols)) return fallback(inputs, a);
    const [H, W] = a.outputSize as Pair;
    const [kh, kw] = a.kernel as Pair;
    const N = cols.shape[0];
    const C = cols.shape[1] / (kh * kw);
    const { tensor, data } = newCpuTensor([N, C, H, W], 'float32');
    if (data.length === 0 || cols.numel === 0) return [tensor];
    writeWindowSpec([N, C, H, W], a);
    addon.col2im(cpuContiguousData(cols) as Float32Array, data as Float32Array, spec);
    return [tensor];
  };
}

function maxPool2dKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, a) => {
    const [x] = inputs;
    if (!isF32(x)) return fallback(inputs, a);
    const [N, C] = x.shape;
    const [oh, ow] = a.grid as Pair;
    const values = newCpuTensorUninitialized([N, C, oh, ow], 'float32');
    const indices = newCpuTensorUninitialized([N, C, oh, ow], 'int32');
    if (values.data.length > 0) {
      writeWindowSpec(x.shape, a);
      addon.maxPool2d(
        cpuContiguousData(x) as Float32Array,
        values.data as Float32Array,
        indices.data as Int32Array,
        spec,
      );
    }
    return [values.tensor, indices.tensor];
  };
}

/** `bmm` for float32 operands of any strides (transposed and stride-0 batches are packed as read). */
function bmmKernel(addon: NativeAddon, fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [a, b] = inputs;
    if (!isF32(a) || !isF32(b)) return fallback(inputs, attrs);
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    // An empty sum (K = 0) is all zeros; otherwise the addon writes every element.
    const { tensor, data } = (K === 0 ? newCpuTensor : newCpuTensorUninitialized)([B, M, N], 'float32');
    if (data.length === 0 || K === 0) return [tensor];
    spec[0] = B;
    spec[1] = M;
    spec[2] = K;
    spec[3] = N;
    spec[4] = a.offset;
    spec[5] = a.strides[0];
    spec[6] = a.strides[1];
    spec[7] = a.strides[2];
    spec[8] = b.offset;
    spec[9] = b.strides[0];
    spec[10] = b.strides[1];
    spec[11] = b.strides[2];
    addon.bmm(cpuData(a) as Float32Array, cpuData(b) as Float32Array, data as Float32Array, spec);
    return [tensor];
  };
}

/**
 * The native kernel table: an entry per op the addon implements, each falling back to `js[op]`
 * (the JavaScript kernel table of the CPU backend) outside its fast path.
 */
export function nativeKernels(addon: NativeAddon, js: Record<string, Kernel>): Record<string, Kernel> {
  const table: Record<string, Kernel> = {};
  const add = (op: string, make: (fallback: Kernel) => Kernel) => {
    if (js[op]) table[op] = make(js[op]);
  };
  add('bmm', (f) => bmmKernel(addon, f));
  add('im2col', (f) => im2colKernel(addon, f));
  add('col2im', (f) => col2imKernel(addon, f));
  add('maxPool2d', (f) => maxPool2dKernel(addon, f));
  add('cast', (f) => castKernel(addon, f));
  add('copy_', (f) => copyKernel(addon, f));
  add('sum', (f) => sumKernel(addon, f));
  add('adamUpdate_', (f) => adamUpdateKernel(addon, f));
  add('sgdUpdate_', (f) => sgdUpdateKernel(addon, f));
  add('conv2d', (f) => conv2dKernel(addon, f));
  add('conv2dBackwardInput', (f) => conv2dBackwardInputKernel(addon, f));
  add('conv2dBackwardWeight', (f) => conv2dBackwardWeightKernel(addon, f));
  add('maxPool2dBackward', (f) => maxPool2dBackwardKernel(addon, f));
  add('geluBackward', (f) => geluBackwardKernel(addon, f));
  add('layerNorm', (f) => layerNormKernel(addon, f));
  add('softmax', (f) => softmaxKernel(addon, f));
  add('accumulate_', (f) => accumulateKernel(addon, f));
  add('softmaxBackward', (f) => softmaxBackwardKernel(addon, f));
  add('layerNormBackward', (f) => layerNormBackwardKernel(addon, f));
  add('where', (f) => whereKernel(addon, f));
  for (const [op, code] of Object.entries(BINARY_OPS)) add(op, (f) => binaryKernel(addon, code, f));
  for (const [op, code] of Object.entries(UNARY_OPS)) add(op, (f) => unaryKernel(addon, code, f));
  return table;
}
