/**
 * Reductions and scans with PyTorch's semantics. Primitives (see `backends/cpu/reduce.ts` for their
 * exact inputs/attrs/outputs): `sum`, `prod`, `amax`, `amin`, `maxDim`, `minDim`, `argmax`, `argmin`,
 * `cumsum`, `cumprod`. Everything else (mean, var, std, norm, logsumexp, softmax, logSoftmax, all,
 * any) is composed of primitives and elementwise ops, so autograd differentiates it for free.
 */
import { getBackend } from '../backend.js';
import { dispatch, dispatch1 } from '../dispatch.js';
import { checkDType, type DType, isFloating, toFloating } from '../dtype.js';
import { DTypeError, IndexError, ValueError } from '../errors.js';
import { fmtShape, normalizeDim, normalizeDims } from '../shape.js';
import type { Dims, Tensor } from '../tensor.js';
import { reshape } from '../views.js';
import { cast, contiguous } from './copy.js';
import { full } from './creation.js';
import { abs, add, div, exp, isinf, log, mul, ne, pow, sqrt, sub, where } from './elementwise.js';
import type { ValuesIndices } from './indexing.js';
import { checkComputable } from './promote.js';

/** Options shared by reductions: keep reduced dims as size 1. */
export interface ReduceOptions {
  /** Keep each reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

/** Normalized, sorted dims to reduce: all dims when `dim` is omitted or an empty list, as PyTorch. */
function reductionDims(x: Tensor, dim: Dims, op: string): number[] {
  const list = dim === undefined ? [] : typeof dim === 'number' ? [dim] : [...dim];
  const dims = normalizeDims(list, x.ndim, op);
  if (x.ndim === 0) return [];
  if (dims.length === 0) return x.shape.map((_, d) => d);
  return dims.sort((a, b) => a - b);
}

/** Number of elements each output of a reduction over `dims` combines. */
function reducedCount(x: Tensor, dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= x.shape[d];
  return n;
}

function outShape(x: Tensor, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    if (!dims.includes(d)) out.push(x.shape[d]);
    else if (keepdim) out.push(1);
  }
  return out;
}

/** bool and int32 accumulate into int32 (PyTorch's int64); floats keep their dtype. */
const accDType = (dtype: DType): DType => (dtype === 'bool' || dtype === 'int32' ? 'int32' : dtype);

function requireFloat(op: string, x: Tensor, what = 'a floating point tensor'): void {
  checkComputable(op, x.dtype);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected ${what}, but got dtype ${x.dtype}`);
}

function requireNonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  for (const d of dims) {
    if (x.shape[d] === 0) {
      throw new IndexError(
        `${op}: expected reduction dim ${d} to have non-zero size (input shape ${fmtShape(x.shape)}); the operation has no identity`,
      );
    }
  }
}

/** Dispatches a reduction primitive with already-normalized dims. */
function reduce(op: string, x: Tensor, dims: number[], keepdim: boolean, dtype: DType): Tensor {
  return dispatch1(op, [x], { dims, keepdim, dtype });
}

/**
 * Sum over `dim` (one dim, several, or all when omitted). bool/int32 inputs sum to int32; `dtype`
 * converts the input first, as PyTorch's `dtype` argument.
 */
export function sum(x: Tensor, dim?: Dims, options?: ReduceOptions & { dtype?: DType }): Tensor {
  const dims = reductionDims(x, dim, 'sum');
  const keepdim = options?.keepdim ?? false;
  let input = x;
  let dtype: DType;
  if (options?.dtype !== undefined) {
    dtype = checkDType(options.dtype, 'sum');
    if (dtype === 'bool') {
      // Summing bools in bool is a logical or.
      return ne(reduce('sum', cast(x, 'bool'), dims, keepdim, 'int32'), 0);
    }
    checkComputable('sum', dtype);
    // Floats are converted element by element first (truncated for int32); bool/int32 values are
    // read exactly by the kernel whatever the output dtype.
    if (isFloating(x.dtype) && x.dtype !== dtype) input = cast(x, dtype);
  } else {
    checkComputable('sum', x.dtype);
    dtype = accDType(x.dtype);
  }
  return reduce('sum', input, dims, keepdim, dtype);
}

/** Mean over `dim` (all when omitted); floating inputs only, as PyTorch. */
export function mean(x: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  checkComputable('mean', x.dtype);
  if (!isFloating(x.dtype)) {
    throw new DTypeError(
      `mean: could not infer output dtype; input dtype must be floating point, but got ${x.dtype} (convert with .float())`,
    );
  }
  const dims = reductionDims(x, dim, 'mean');
  return div(reduce('sum', x, dims, options?.keepdim ?? false, x.dtype), reducedCount(x, dims));
}

/** Product over one dim (all when omitted). bool/int32 inputs give int32. An empty product is 1. */
export function prod(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  checkComputable('prod', x.dtype);
  const dims = reductionDims(x, dim, 'prod');
  return reduce('prod', x, dims, options?.keepdim ?? false, accDType(x.dtype));
}

function extremum(op: 'amax' | 'amin', x: Tensor, dim: Dims, options?: ReduceOptions): Tensor {
  checkComputable(op, x.dtype);
  const dims = reductionDims(x, dim, op);
  requireNonEmpty(op, x, dims);
  return reduce(op, x, dims, options?.keepdim ?? false, x.dtype);
}

/** Maximum over `dim` (all when omitted); NaN propagates. Empty reductions are an IndexError. */
export function amax(x: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  return extremum('amax', x, dim, options);
}

/** Minimum over `dim` (all when omitted); NaN propagates. Empty reductions are an IndexError. */
export function amin(x: Tensor, dim?: Dims, options?: ReduceOptions): Tensor {
  return extremum('amin', x, dim, options);
}

function extremumDim(
  op: 'max' | 'min',
  x: Tensor,
  dim: number | undefined,
  options?: ReduceOptions,
): Tensor | ValuesIndices {
  checkComputable(op, x.dtype);
  if (dim === undefined) {
    if (x.numel === 0) {
      throw new ValueError(
        `${op}: expected a reduction dim to be given for an empty input (shape ${fmtShape(x.shape)}); specify dim`,
      );
    }
    return reduce(op === 'max' ? 'amax' : 'amin', x, reductionDims(x, undefined, op), false, x.dtype);
  }
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim > 0) requireNonEmpty(op, x, [d]);
  const [values, indices] = dispatch(op === 'max' ? 'maxDim' : 'minDim', [x], {
    dim: d,
    keepdim: options?.keepdim ?? false,
  });
  return { values, indices };
}

/**
 * Maximum of all elements, or `{ values, indices }` along `dim` (index of the first maximum, or of
 * the first NaN). NaN propagates.
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices;
export function max(x: Tensor, dim?: number, options?: ReduceOptions): Tensor | ValuesIndices {
  return extremumDim('max', x, dim, options);
}

/**
 * Minimum of all elements, or `{ values, indices }` along `dim` (index of the first minimum, or of
 * the first NaN). NaN propagates.
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, options?: ReduceOptions): ValuesIndices;
export function min(x: Tensor, dim?: number, options?: ReduceOptions): Tensor | ValuesIndices {
  return extremumDim('min', x, dim, options);
}

function argExtremum(op: 'argmax' | 'argmin', x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  checkComputable(op, x.dtype);
  if (x.dtype === 'bool')
    throw new DTypeError(`${op}: not implemented for bool tensors (convert with .int())`);
  const keepdim = options?.keepdim ?? false;
  if (dim === undefined) {
    if (x.numel === 0) {
      throw new ValueError(
        `${op}: expected a reduction dim to be given for an empty input (shape ${fmtShape(x.shape)}); specify dim`,
      );
    }
    const flat = dispatch1(op, [reshape(x, [-1])], { dim: 0, keepdim: false });
    return keepdim
      ? reshape(
          flat,
          x.shape.map(() => 1),
        )
      : flat;
  }
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim > 0) requireNonEmpty(op, x, [d]);
  return dispatch1(op, [x], { dim: d, keepdim });
}

/** Index (int32) of the first maximum along `dim`, or into the flattened tensor when `dim` is omitted. */
export function argmax(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  return argExtremum('argmax', x, dim, options);
}

/** Index (int32) of the first minimum along `dim`, or into the flattened tensor when `dim` is omitted. */
export function argmin(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  return argExtremum('argmin', x, dim, options);
}

/** Options of `variance` and `std`. */
export interface VarianceOptions extends ReduceOptions {
  /** Subtracted from the element count in the divisor (default 1: Bessel's correction). */
  correction?: number;
}

/** Variance over `dim` (all when omitted), divided by `max(0, N - correction)`; floating inputs only. */
export function variance(x: Tensor, dim?: Dims, options?: VarianceOptions): Tensor {
  requireFloat('var', x);
  const dims = reductionDims(x, dim, 'var');
  const correction = options?.correction ?? 1;
  if (typeof correction !== 'number' || Number.isNaN(correction))
    throw new ValueError(`var: correction must be a number, got ${String(correction)}`);
  const n = reducedCount(x, dims);
  const m = div(reduce('sum', x, dims, true, x.dtype), n);
  const d = sub(x, m);
  const ss = reduce('sum', mul(d, d), dims, options?.keepdim ?? false, x.dtype);
  return div(ss, Math.max(0, n - correction));
}

/** Standard deviation: `sqrt(variance(...))`, with the same `correction` (default 1). */
export function std(x: Tensor, dim?: Dims, options?: VarianceOptions): Tensor {
  requireFloat('std', x);
  return sqrt(variance(x, dim, options));
}

/**
 * Vector norm over `dim` (all when omitted), as `torch.linalg.vector_norm`: p = 2 (and 'fro'),
 * 1, Infinity (max |x|), -Infinity (min |x|), 0 (count of non-zeros) or any other number
 * (`sum(|x|^p)^(1/p)`). Floating inputs only.
 */
export function norm(x: Tensor, p: number | 'fro' = 2, dim?: Dims, options?: ReduceOptions): Tensor {
  requireFloat('norm', x);
  if (p !== 'fro' && (typeof p !== 'number' || Number.isNaN(p)))
    throw new ValueError(`norm: p must be a number or 'fro', got ${String(p)}`);
  const ord = p === 'fro' ? 2 : p;
  const dims = reductionDims(x, dim, 'norm');
  const keepdim = options?.keepdim ?? false;
  if (ord === Infinity || ord === -Infinity) {
    for (const d of dims) {
      if (x.shape[d] === 0) {
        throw new ValueError(
          `norm: cannot compute the ${ord > 0 ? '' : '-'}inf norm over the empty dim ${d} (input shape ${fmtShape(x.shape)}): the operation has no identity`,
        );
      }
    }
    return reduce(ord > 0 ? 'amax' : 'amin', abs(x), dims, keepdim, x.dtype);
  }
  if (ord === 2) return rootOfSum(reduce('sum', mul(x, x), dims, keepdim, x.dtype), sqrt);
  if (ord === 1) return reduce('sum', abs(x), dims, keepdim, x.dtype);
  if (ord === 0) return reduce('sum', cast(ne(x, 0), x.dtype), dims, keepdim, x.dtype);
  return rootOfSum(reduce('sum', pow(abs(x), ord), dims, keepdim, x.dtype), (t) => pow(t, 1 / ord));
}

/**
 * `root(s)` where s > 0 and 0 where s == 0, written so the gradient at a zero norm is 0 (as
 * PyTorch's norm backward gives) instead of 0 * inf = NaN.
 */
function rootOfSum(s: Tensor, root: (t: Tensor) => Tensor): Tensor {
  const positive = ne(s, 0); // s is a sum of non-negative terms (or NaN, which must propagate)
  return where(positive, root(where(positive, s, 1)), 0);
}

/**
 * `log(sum(exp(x)))` over `dim`, computed stably by shifting by the maximum (rows of -inf give -inf,
 * rows containing +inf give +inf). Integer inputs give the default float dtype.
 */
export function logsumexp(x: Tensor, dim: Dims, options?: ReduceOptions): Tensor {
  checkComputable('logsumexp', x.dtype);
  const xf = isFloating(x.dtype) ? x : cast(x, toFloating(x.dtype));
  const dims = reductionDims(xf, dim, 'logsumexp');
  const keepdim = options?.keepdim ?? false;
  if (reducedCount(xf, dims) === 0) return log(reduce('sum', exp(xf), dims, keepdim, xf.dtype));
  // The shift is a constant for autograd: the result's gradient does not depend on it.
  const m = reduce('amax', xf.detach(), dims, true, xf.dtype);
  const shift = where(isinf(m), 0, m);
  const s = reduce('sum', exp(sub(xf, shift)), dims, keepdim, xf.dtype);
  return add(log(s), keepdim ? shift : reshape(shift, outShape(xf, dims, false)));
}

function softmaxPrep(op: string, x: Tensor, dim: number): { dims: number[]; shifted: Tensor } | null {
  requireFloat(op, x);
  const d = normalizeDim(dim, x.ndim, op);
  if (x.numel === 0) return null;
  const dims = x.ndim === 0 ? [] : [d];
  const m = reduce('amax', x.detach(), dims, true, x.dtype);
  return { dims, shifted: sub(x, m) };
}

/** The fused `softmax` primitive over the last dim, where the device has it; null otherwise. */
function fusedSoftmax(x: Tensor, dim: number, log: boolean): Tensor | null {
  if (x.ndim === 0 || x.numel === 0 || !getBackend(x.device).kernels.softmax) return null;
  if (normalizeDim(dim, x.ndim, log ? 'logSoftmax' : 'softmax') !== x.ndim - 1) return null;
  return dispatch1('softmax', [contiguous(x)], { size: x.shape[x.ndim - 1], log });
}

/** Softmax along `dim`: `exp(x - max) / sum(exp(x - max))`. Floating inputs only. */
export function softmax(x: Tensor, dim: number): Tensor {
  requireFloat('softmax', x);
  const fused = fusedSoftmax(x, dim, false);
  if (fused) return fused;
  const p = softmaxPrep('softmax', x, dim);
  if (!p) return cast(x, x.dtype, true);
  const e = exp(p.shifted);
  return div(e, reduce('sum', e, p.dims, true, x.dtype));
}

/** Log-softmax along `dim`: `(x - max) - log(sum(exp(x - max)))`. Floating inputs only. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  requireFloat('logSoftmax', x);
  const fused = fusedSoftmax(x, dim, true);
  if (fused) return fused;
  const p = softmaxPrep('logSoftmax', x, dim);
  if (!p) return cast(x, x.dtype, true);
  return sub(p.shifted, log(reduce('sum', exp(p.shifted), p.dims, true, x.dtype)));
}

function scan(op: 'cumsum' | 'cumprod', x: Tensor, dim: number): Tensor {
  checkComputable(op, x.dtype);
  const d = normalizeDim(dim, x.ndim, op);
  return dispatch1(op, [x], { dim: d, dtype: accDType(x.dtype) });
}

/** Cumulative sum along `dim` (bool/int32 give int32). */
export function cumsum(x: Tensor, dim: number): Tensor {
  return scan('cumsum', x, dim);
}

/** Cumulative product along `dim` (bool/int32 give int32). */
export function cumprod(x: Tensor, dim: number): Tensor {
  return scan('cumprod', x, dim);
}

function truth(op: 'all' | 'any', x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  const dims = reductionDims(x, dim, op);
  const keepdim = options?.keepdim ?? false;
  if (reducedCount(x, dims) === 0) {
    return full(outShape(x, dims, keepdim), op === 'all', { dtype: 'bool', device: x.device });
  }
  return reduce(op === 'all' ? 'amin' : 'amax', cast(x, 'bool'), dims, keepdim, 'bool');
}

/** Whether every element (along `dim`, or overall) is non-zero; bool result, true when empty. */
export function all(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  return truth('all', x, dim, options);
}

/** Whether any element (along `dim`, or overall) is non-zero; bool result, false when empty. */
export function any(x: Tensor, dim?: number, options?: ReduceOptions): Tensor {
  return truth('any', x, dim, options);
}
