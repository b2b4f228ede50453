/** Argument helpers shared by the convolution, pooling and resampling front-ends (internal). */
import { dispatch, dispatch1 } from '../dispatch.js';
import { DTypeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** A size given as one number (both dims) or one per spatial dim. */
export type IntOrPair = number | readonly [number, number] | readonly number[];

/** A `[height, width]` pair of integers. */
export type Pair = [number, number];

/** Expands `v` to a pair and checks each entry is an integer `>= min`. */
export function pairOf(v: IntOrPair, name: string, op: string, min: number): Pair {
  const p: number[] = typeof v === 'number' ? [v, v] : [...v];
  if (p.length === 1) p.push(p[0]);
  if (p.length !== 2 || p.some((s) => !Number.isInteger(s) || s < min)) {
    const what = min === 0 ? 'non-negative' : 'positive';
    throw new ValueError(
      `${op}: ${name} must be ${what} integers (one or two of them), got ${JSON.stringify(v)}`,
    );
  }
  return p as Pair;
}

/** Checks a 1-D op's size argument: one integer (or a one-element list) `>= min`. */
export function singleOf(v: number | readonly number[], name: string, op: string, min: number): number {
  const s = typeof v === 'number' ? v : v.length === 1 ? v[0] : Number.NaN;
  if (!Number.isInteger(s) || s < min) {
    const what = min === 0 ? 'a non-negative' : 'a positive';
    throw new ValueError(`${op}: ${name} must be ${what} integer, got ${JSON.stringify(v)}`);
  }
  return s;
}

/** Throws unless `x` is float32 or float64 (the dtypes these kernels compute in). */
export function checkFloat(x: Tensor, op: string, what = 'input'): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(`${op}: expected a float32 or float64 ${what}, but got ${x.dtype}`);
  }
}

/** Throws unless `t` has the dtype of the input. */
export function checkSameDType(x: Tensor, t: Tensor, op: string, what: string): void {
  if (t.dtype !== x.dtype) {
    throw new DTypeError(`${op}: expected ${what} to have the input's dtype ${x.dtype}, but got ${t.dtype}`);
  }
}

/** Number of sliding windows along one dim (PyTorch's conv/unfold formula); may be <= 0. */
export function windowCount(size: number, k: number, d: number, p: number, s: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** PyTorch's pooling output size, with `ceilMode` dropping a last window that starts in the padding. */
export function poolOutputSize(
  size: number,
  k: number,
  p: number,
  s: number,
  d: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
  let out = Math.floor(span / s) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

/** Window geometry of the im2col/col2im/maxPool2d primitives (see backends/cpu/conv.ts). */
export interface Window {
  kernel: Pair;
  dilation: Pair;
  padding: Pair;
  stride: Pair;
  /** Number of windows `[oh, ow]`. */
  grid: Pair;
}

/** Dispatches the `im2col` primitive on a 4-D input: `[N, C, H, W]` to `[N, C*kh*kw, oh*ow]`. */
export function im2col(x: Tensor, w: Window, padValue = 0): Tensor {
  return dispatch1('im2col', [x], { ...w, padValue });
}

/** Dispatches the `col2im` primitive: `[N, C*kh*kw, oh*ow]` to `[N, C, H, W]`, summing overlaps. */
export function col2im(cols: Tensor, outputSize: Pair, w: Window): Tensor {
  return dispatch1('col2im', [cols], { ...w, outputSize });
}

/** Dispatches the `maxPool2d` primitive: values and int32 flat-plane indices. */
export function maxPool2dPrimitive(x: Tensor, w: Window): [Tensor, Tensor] {
  const [values, indices] = dispatch('maxPool2d', [x], { ...w });
  return [values, indices];
}
