/**
 * Fused convolution primitives (groups = 1) and the max-pooling gradient. The convolution front
 * end (ops/conv.ts) uses them where the device has them, so a convolution is one op instead of
 * im2col + matmul + bias add, and its gradients need no saved column tensor; devices without them
 * run the im2col composite. Window attrs are those of `im2col` (conv.ts).
 *
 * - `conv2d`: inputs `[x [N, C, H, W], weight [Cout, C, kh, kw], bias? [Cout]]`, all contiguous,
 *   float32/float64. Output `[N, Cout, oh, ow]`. Derivative (autograd): the two primitives below
 *   when not recording, the im2col composite when recording (higher-order gradients).
 * - `conv2dBackwardInput`: inputs `[grad [N, Cout, oh, ow], weight]`, attrs + `inputSize: [H, W]`.
 *   Output dx `[N, C, H, W]`.
 * - `conv2dBackwardWeight`: inputs `[grad, x]`. Output dw `[Cout, C, kh, kw]`.
 * - `maxPool2dBackward`: inputs `[grad [N, C, oh, ow], indices int32 [N, C, oh, ow]]` (the
 *   indices `maxPool2d` returned), attrs `{ inputSize: [H, W] }`. Output dx `[N, C, H, W]` with
 *   each gradient added at its index.
 * The last three are what conv2d's / maxPool2d's derivatives call with grad mode off; they have no
 * derivatives of their own.
 *
 * These versions compose the CPU backend's kernels (`bmm` from whichever set is active, so the
 * WebAssembly GEMM serves them too; the native set replaces them with chunked kernels that keep one
 * column buffer in cache).
 */
import { getBackend, type Kernel } from '../../backend.js';
import { IndexError } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { convKernels } from './conv.js';
import { cpuContiguousData, cpuData, newCpuTensor } from './memory.js';

type Pair = [number, number];

/** The active kernel set's `bmm`. */
const bmm: Kernel = (inputs, attrs) => getBackend('cpu').kernels.bmm(inputs, attrs);

/** `weight [Cout, C, kh, kw]` as a `[N, Cout, K]` batch (stride 0), or its transpose `[N, K, Cout]`. */
function weightBatch(weight: Tensor, n: number, transposed: boolean): Tensor {
  const [cout] = weight.shape;
  const k = weight.numel / cout;
  return transposed
    ? new Tensor(weight.storage, [n, k, cout], [0, 1, k], weight.offset)
    : new Tensor(weight.storage, [n, cout, k], [0, k, 1], weight.offset);
}

const conv2d: Kernel = ([x, weight, bias], a) => {
  const [n] = x.shape;
  const [cout] = weight.shape;
  const [oh, ow] = a.grid as Pair;
  const cols = convKernels.im2col([x], { ...a, padValue: 0 })[0];
  const out = bmm([weightBatch(weight, n, false), cols], {})[0];
  if (bias) {
    const o = cpuData(out);
    const b = cpuContiguousData(bias);
    const l = oh * ow;
    for (let p = 0; p < n * cout; p++) {
      const v = b[p % cout];
      for (let i = p * l; i < (p + 1) * l; i++) o[i] += v;
    }
  }
  return [new Tensor(out.storage, [n, cout, oh, ow])];
};

const conv2dBackwardInput: Kernel = ([g, weight], a) => {
  const [n, cout, oh, ow] = g.shape;
  const g3 = new Tensor(g.storage, [n, cout, oh * ow], [cout * oh * ow, oh * ow, 1], g.offset);
  const dcols = bmm([weightBatch(weight, n, true), g3], {})[0];
  return convKernels.col2im([dcols], { ...a, outputSize: a.inputSize });
};

const conv2dBackwardWeight: Kernel = ([g, x], a) => {
  const [n, cout, oh, ow] = g.shape;
  const l = oh * ow;
  const cols = convKernels.im2col([x], { ...a, padValue: 0 })[0];
  const k = cols.shape[1];
  const g3 = new Tensor(g.storage, [n, cout, l], [cout * l, l, 1], g.offset);
  const colsT = new Tensor(cols.storage, [n, l, k], [k * l, 1, l], 0);
  const perImage = cpuData(bmm([g3, colsT], {})[0]);
  const c = x.shape[1];
  const [kh, kw] = a.kernel as Pair;
  const { tensor, data } = newCpuTensor([cout, c, kh, kw], g.dtype);
  for (let p = 0; p < n; p++) {
    const off = p * data.length;
    for (let i = 0; i < data.length; i++) data[i] += perImage[off + i];
  }
  return [tensor];
};

const maxPool2dBackward: Kernel = ([g, indices], a) => {
  const [n, c, oh, ow] = g.shape;
  const [h, w] = a.inputSize as Pair;
  const { tensor, data } = newCpuTensor([n, c, h, w], g.dtype);
  const gd = cpuContiguousData(g);
  const id = cpuContiguousData(indices);
  const l = oh * ow;
  const hw = h * w;
  for (let p = 0; p < n * c; p++) {
    for (let o = p * l; o < (p + 1) * l; o++) {
      const i = id[o];
      if (!(i >= 0 && i < hw)) {
        throw new IndexError(`maxPool2dBackward: index ${i} is out of bounds for a plane of ${hw} elements`);
      }
      data[p * hw + i] += gd[o];
    }
  }
  return [tensor];
};

/** Fused convolution kernels of the CPU backend (JavaScript). */
export const convFusedKernels: Record<string, Kernel> = {
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2dBackward,
};
