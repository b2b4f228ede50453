/**
 * Pooling (`torch.nn.functional` semantics). Max pooling is the `maxPool2d` /
 * `adaptiveMaxPool2d` primitives (values + int32 indices into the flattened `H*W` plane); average
 * pooling is a composite: im2col, a sum over the window, a division by per-position counts;
 * adaptive average pooling multiplies by separable pooling matrices. The 1-D variants run the 2-D
 * ones on a height-1 image.
 */
import { dispatch } from '../dispatch.js';
import { ShapeError, ValueError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape, transpose, unsqueeze } from '../views.js';
import { encodeValues, fromHost } from './creation.js';
import { div } from './elementwise.js';
import { matmul } from './linalg.js';
import {
  checkFloat,
  type IntOrPair,
  im2col,
  maxPool2dPrimitive,
  type Pair,
  pairOf,
  poolOutputSize,
  singleOf,
} from './nn-utils.js';
import { sum } from './reduce.js';

/** Values and the int32 positions of the maxima in the flattened `H*W` input plane. */
export interface PoolWithIndices {
  /** The pooled maxima in the input's dtype: `[N, C, outH, outW]` (`[N, C, outL]` for 1-D pooling). */
  values: Tensor;
  /**
   * int32, shaped like `values`: where each maximum sits in its input plane, as `row * W + col`
   * (the position along the length for 1-D pooling; unbatched inputs drop the `N` dim of both).
   */
  indices: Tensor;
}

/** Options of `maxPool2d`. */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntOrPair | null;
  /** Implicit -inf padding on both sides (at most half the kernel; default 0). */
  padding?: IntOrPair;
  /** Spacing between window elements (default 1). */
  dilation?: IntOrPair;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Also return the indices of the maxima (default false). */
  returnIndices?: boolean;
}

/** Options of `avgPool2d`. */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntOrPair | null;
  /** Implicit zero padding on both sides (at most half the kernel; default 0). */
  padding?: IntOrPair;
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size. */
  divisorOverride?: number | null;
}

/** Options of `maxPool1d`. */
export interface MaxPool1dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: number | readonly number[] | null;
  /** Implicit -inf padding on both sides (default 0). */
  padding?: number | readonly number[];
  /** Spacing between window elements (default 1). */
  dilation?: number | readonly number[];
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Also return the indices of the maxima (default false). */
  returnIndices?: boolean;
}

/** Options of `avgPool1d`. */
export interface AvgPool1dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: number | readonly number[] | null;
  /** Implicit zero padding on both sides (default 0). */
  padding?: number | readonly number[];
  /** Use ceil instead of floor for the output size (default false). */
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
}

/** An adaptive pooling output size: one number for both dims, or per dim (`null` keeps the input size). */
export type AdaptiveSize = number | readonly [number | null, number | null] | readonly (number | null)[];

interface PoolGeometry {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  grid: Pair;
}

function as4d(x: Tensor, op: string): { x4: Tensor; unbatched: boolean } {
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], but got shape ${fmtShape(x.shape)}`,
    );
  }
  checkFloat(x, op);
  const unbatched = x.ndim === 3;
  const x4 = unbatched ? unsqueeze(x, 0) : x;
  if (x4.shape[1] === 0 || x4.shape[2] === 0 || x4.shape[3] === 0) {
    throw new ShapeError(
      `${op}: expected an input with non-zero channel and spatial sizes, but got shape ${fmtShape(x.shape)}`,
    );
  }
  return { x4, unbatched };
}

function strip(t: Tensor, unbatched: boolean): Tensor {
  return unbatched ? reshape(t, t.shape.slice(1)) : t;
}

/** PyTorch's pool2d shape check and output size. */
function poolGeometry(
  op: string,
  x4: Tensor,
  kernel: Pair,
  stride: Pair,
  padding: Pair,
  dilation: Pair,
  ceilMode: boolean,
): PoolGeometry {
  if (padding[0] > Math.floor(kernel[0] / 2) || padding[1] > Math.floor(kernel[1] / 2)) {
    throw new ValueError(
      `${op}: padding should be at most half of the kernel size, but got padding ${fmtShape(padding)} and kernelSize ${fmtShape(kernel)}`,
    );
  }
  const [h, w] = [x4.shape[2], x4.shape[3]];
  const grid: Pair = [
    poolOutputSize(h, kernel[0], padding[0], stride[0], dilation[0], ceilMode),
    poolOutputSize(w, kernel[1], padding[1], stride[1], dilation[1], ceilMode),
  ];
  if (grid[0] < 1 || grid[1] < 1) {
    throw new ShapeError(
      `${op}: given input of spatial size (${h} x ${w}), the calculated output size (${grid[0]} x ${grid[1]}) is too small (kernelSize ${fmtShape(kernel)}, stride ${fmtShape(stride)}, padding ${fmtShape(padding)}, dilation ${fmtShape(dilation)})`,
    );
  }
  return { kernel, stride, padding, dilation, grid };
}

function strideOf<T>(stride: T | null | undefined, kernel: T): T {
  if (stride === undefined || stride === null) return kernel;
  if (Array.isArray(stride) && stride.length === 0) return kernel;
  return stride;
}

function maxPoolCore(op: string, x: Tensor, k: Pair, s: Pair, p: Pair, d: Pair, ceil: boolean) {
  const { x4, unbatched } = as4d(x, op);
  const g = poolGeometry(op, x4, k, s, p, d, ceil);
  const [values, indices] = maxPool2dPrimitive(x4, g);
  return { values: strip(values, unbatched), indices: strip(indices, unbatched) };
}

/**
 * 2-D max pooling (`F.max_pool2d`) over `[N, C, H, W]` (or `[C, H, W]`). With `returnIndices`
 * also returns int32 indices into each flattened `H*W` input plane, as PyTorch. NaN propagates.
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  options: MaxPool2dOptions & { returnIndices: true },
): PoolWithIndices;
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  options?: MaxPool2dOptions & { returnIndices?: false },
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  options?: MaxPool2dOptions,
): Tensor | PoolWithIndices;
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  options?: MaxPool2dOptions,
): Tensor | PoolWithIndices {
  const op = 'maxPool2d';
  const kernel = pairOf(kernelSize, 'kernelSize', op, 1);
  const stride = pairOf(strideOf(options?.stride, kernelSize), 'stride', op, 1);
  const padding = pairOf(options?.padding ?? 0, 'padding', op, 0);
  const dilation = pairOf(options?.dilation ?? 1, 'dilation', op, 1);
  const r = maxPoolCore(op, x, kernel, stride, padding, dilation, options?.ceilMode ?? false);
  return options?.returnIndices ? r : r.values;
}

/** 1-D max pooling (`F.max_pool1d`) over `[N, C, L]` (or `[C, L]`); indices index the length dim. */
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options: MaxPool1dOptions & { returnIndices: true },
): PoolWithIndices;
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: MaxPool1dOptions & { returnIndices?: false },
): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: MaxPool1dOptions,
): Tensor | PoolWithIndices;
export function maxPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: MaxPool1dOptions,
): Tensor | PoolWithIndices {
  const op = 'maxPool1d';
  const { x2, unbatched } = as3d(x, op);
  const k = singleOf(kernelSize, 'kernelSize', op, 1);
  const s = singleOf(strideOf(options?.stride, kernelSize), 'stride', op, 1);
  const p = singleOf(options?.padding ?? 0, 'padding', op, 0);
  const d = singleOf(options?.dilation ?? 1, 'dilation', op, 1);
  const r = maxPoolCore(op, unsqueeze(x2, 2), [1, k], [1, s], [0, p], [1, d], options?.ceilMode ?? false);
  const values = squeezeRow(r.values, unbatched);
  return options?.returnIndices ? { values, indices: squeezeRow(r.indices, unbatched) } : values;
}

function as3d(x: Tensor, op: string): { x2: Tensor; unbatched: boolean } {
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(
      `${op}: expected a 2-D (unbatched) or 3-D (batched) input [N, C, L], but got shape ${fmtShape(x.shape)}`,
    );
  }
  return { x2: x.ndim === 2 ? unsqueeze(x, 0) : x, unbatched: x.ndim === 2 };
}

function squeezeRow(t: Tensor, unbatched: boolean): Tensor {
  const [n, c, , l] = t.shape;
  return unbatched ? reshape(t, [c, l]) : reshape(t, [n, c, l]);
}

/** Per-window divisors of average pooling, as PyTorch's avg_pool2d computes them. */
function avgDivisors(
  g: PoolGeometry,
  h: number,
  w: number,
  countIncludePad: boolean,
  override: number | null,
): Float64Array {
  const [oh, ow] = g.grid;
  const out = new Float64Array(oh * ow);
  if (override !== null) return out.fill(override);
  const range = (i: number, d: 0 | 1, size: number) => {
    const start = i * g.stride[d] - g.padding[d];
    const endPad = Math.min(start + g.kernel[d], size + g.padding[d]);
    const inStart = Math.max(start, 0);
    const inEnd = Math.min(endPad, size);
    return countIncludePad ? endPad - start : Math.max(inEnd - inStart, 0);
  };
  for (let y = 0; y < oh; y++) {
    const ry = range(y, 0, h);
    for (let x = 0; x < ow; x++) out[y * ow + x] = Math.max(ry * range(x, 1, w), 1);
  }
  return out;
}

function avgPoolCore(
  op: string,
  x: Tensor,
  kernel: Pair,
  stride: Pair,
  padding: Pair,
  ceilMode: boolean,
  countIncludePad: boolean,
  override: number | null,
): Tensor {
  if (override !== null && (!Number.isFinite(override) || override === 0)) {
    throw new ValueError(`${op}: divisorOverride must be a non-zero number, got ${override}`);
  }
  const { x4, unbatched } = as4d(x, op);
  const g = poolGeometry(op, x4, kernel, stride, padding, [1, 1], ceilMode);
  const [n, c, h, w] = x4.shape;
  const l = g.grid[0] * g.grid[1];
  const cols = reshape(im2col(x4, g), [n, c, kernel[0] * kernel[1], l]);
  const divisors = avgDivisors(g, h, w, countIncludePad, override);
  const out = div(
    sum(cols, 2),
    fromHost(encodeValues(divisors, x.dtype), [l], x.dtype, { device: x.device }),
  );
  return strip(reshape(out, [n, c, g.grid[0], g.grid[1]]), unbatched);
}

/**
 * 2-D average pooling (`F.avg_pool2d`) over `[N, C, H, W]` (or `[C, H, W]`): zero padding counted
 * in the divisor unless `countIncludePad: false`, or a fixed `divisorOverride`.
 */
export function avgPool2d(x: Tensor, kernelSize: IntOrPair, options?: AvgPool2dOptions): Tensor {
  const op = 'avgPool2d';
  const kernel = pairOf(kernelSize, 'kernelSize', op, 1);
  const stride = pairOf(strideOf(options?.stride, kernelSize), 'stride', op, 1);
  const padding = pairOf(options?.padding ?? 0, 'padding', op, 0);
  return avgPoolCore(
    op,
    x,
    kernel,
    stride,
    padding,
    options?.ceilMode ?? false,
    options?.countIncludePad ?? true,
    options?.divisorOverride ?? null,
  );
}

/** 1-D average pooling (`F.avg_pool1d`) over `[N, C, L]` (or `[C, L]`). */
export function avgPool1d(
  x: Tensor,
  kernelSize: number | readonly number[],
  options?: AvgPool1dOptions,
): Tensor {
  const op = 'avgPool1d';
  const { x2, unbatched } = as3d(x, op);
  const k = singleOf(kernelSize, 'kernelSize', op, 1);
  const s = singleOf(strideOf(options?.stride, kernelSize), 'stride', op, 1);
  const p = singleOf(options?.padding ?? 0, 'padding', op, 0);
  const out = avgPoolCore(
    op,
    unsqueeze(x2, 2),
    [1, k],
    [1, s],
    [0, p],
    options?.ceilMode ?? false,
    options?.countIncludePad ?? true,
    null,
  );
  return squeezeRow(out, unbatched);
}

function adaptiveSize(op: string, size: AdaptiveSize, x4: Tensor): Pair {
  const raw: (number | null)[] = typeof size === 'number' ? [size, size] : [...size];
  if (raw.length === 1) raw.push(raw[0]);
  if (raw.length !== 2) {
    throw new ValueError(`${op}: outputSize must be one number or two, got ${JSON.stringify(size)}`);
  }
  const out = raw.map((s, d) => (s === null ? x4.shape[2 + d] : s));
  if (out.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new ValueError(
      `${op}: outputSize must be positive integers (or null), got ${JSON.stringify(size)}`,
    );
  }
  return out as Pair;
}

/** `[out, size]` matrix averaging PyTorch's adaptive windows `floor(i*size/out) .. ceil((i+1)*size/out)`. */
function adaptiveMatrix(out: number, size: number, x: Tensor): Tensor {
  const m = new Float64Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return fromHost(encodeValues(m, x.dtype), [out, size], x.dtype, { device: x.device });
}

/**
 * Adaptive 2-D average pooling (`F.adaptive_avg_pool2d`) to `outputSize`, with PyTorch's windows
 * `floor(i*H/out) .. ceil((i+1)*H/out)`. When the input size is a multiple of the output size the
 * windows are uniform and this is an average pooling; otherwise it multiplies by separable pooling
 * matrices (exact for finite inputs; an infinite input then also spreads NaN to other windows of
 * its rows/columns).
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const op = 'adaptiveAvgPool2d';
  const { x4, unbatched } = as4d(x, op);
  const [oh, ow] = adaptiveSize(op, outputSize, x4);
  const [, , h, w] = x4.shape;
  if (h % oh === 0 && w % ow === 0) {
    const k: Pair = [h / oh, w / ow];
    return strip(avgPoolCore(op, x4, k, k, [0, 0], false, true, null), unbatched);
  }
  let out = x4;
  if (ow !== w) out = matmul(out, transpose(adaptiveMatrix(ow, w, x4), 0, 1));
  if (oh !== h) out = matmul(adaptiveMatrix(oh, h, x4), out);
  return strip(out, unbatched);
}

/**
 * Adaptive 2-D max pooling (`F.adaptive_max_pool2d`) to `outputSize`, optionally with int32
 * indices into each flattened `H*W` input plane.
 */
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options: { returnIndices: true },
): PoolWithIndices;
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: { returnIndices?: false },
): Tensor;
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: { returnIndices?: boolean },
): Tensor | PoolWithIndices;
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: AdaptiveSize,
  options?: { returnIndices?: boolean },
): Tensor | PoolWithIndices {
  const op = 'adaptiveMaxPool2d';
  const { x4, unbatched } = as4d(x, op);
  const size = adaptiveSize(op, outputSize, x4);
  const [values, indices] = dispatch('adaptiveMaxPool2d', [x4], { outputSize: size });
  const v = strip(values, unbatched);
  return options?.returnIndices ? { values: v, indices: strip(indices, unbatched) } : v;
}
