/**
 * Indexing ops: gather/scatter, indexSelect/indexAdd, maskedSelect, nonzero, sort/argsort/topk,
 * unique, oneHot, take. Primitives (see backends/cpu/indexing.ts for inputs/attrs/outputs):
 * gather, scatter, scatterAdd, indexSelect, indexAdd, nonzero, sort. The rest are composites.
 * Index tensors are int32 (PyTorch's int64 indices); out-of-range index values throw IndexError.
 */
import { getBackend } from '../backend.js';
import { dispatch, dispatch1 } from '../dispatch.js';
import { arrayTypeOf, isStorageOnly, type TypedArray } from '../dtype.js';
import { DeviceError, DTypeError, IndexError, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, fmtShape, normalizeDim, sameShape } from '../shape.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { expand, permute, reshape, unsqueeze } from '../views.js';
import { cast } from './copy.js';
import { arange, fromHost } from './creation.js';
import { add, eq, lt, mul, where } from './elementwise.js';
import { scalarTensor } from './scalar.js';

/** Values and their positions along a dim, as `sort`, `topk` and `max`/`min` with a dim return them. */
export interface ValuesIndices {
  /** The selected values. */
  values: Tensor;
  /** Their int32 indices along the op's dim. */
  indices: Tensor;
}

function checkIndexDType(op: string, index: Tensor): void {
  if (!(index instanceof Tensor))
    throw new DTypeError(`${op}: expected an index tensor, got ${typeof index}`);
  if (index.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected an int32 index tensor, got ${index.dtype}`);
  }
}

function checkComputable(op: string, x: Tensor): void {
  if (isStorageOnly(x.dtype)) {
    throw new DTypeError(`${op}: ${x.dtype} is a storage dtype here; convert first with .to('float32')`);
  }
}

/** ndim with 0-d counted as 1 and size of a dim with 0-d seen as [1] (PyTorch's ensure_nonempty). */
const nd1 = (t: Tensor) => Math.max(t.ndim, 1);
const size1 = (t: Tensor, d: number) => (t.ndim === 0 ? 1 : t.shape[d]);

/** PyTorch's gather/scatter shape rules: same ndim, index.size(d) <= x.size(d) for d != dim (and <= src.size(d)). */
function checkScatterGatherShapes(op: string, x: Tensor, dim: number, index: Tensor, src?: Tensor): void {
  if (index.numel === 0) return;
  if (nd1(x) !== nd1(index)) {
    throw new ShapeError(
      `${op}: index tensor must have the same number of dimensions as the input (index ${fmtShape(index.shape)}, input ${fmtShape(x.shape)})`,
    );
  }
  if (src && nd1(src) !== nd1(index)) {
    throw new ShapeError(
      `${op}: index tensor must have the same number of dimensions as src (index ${fmtShape(index.shape)}, src ${fmtShape(src.shape)})`,
    );
  }
  for (let d = 0; d < nd1(x); d++) {
    if (d !== dim && size1(index, d) > size1(x, d)) {
      throw new ShapeError(
        `${op}: size does not match at dimension ${d}: expected index ${fmtShape(index.shape)} to be no larger than input ${fmtShape(x.shape)} apart from dimension ${dim}`,
      );
    }
    if (src && size1(index, d) > size1(src, d)) {
      throw new ShapeError(
        `${op}: size does not match at dimension ${d}: expected index ${fmtShape(index.shape)} to be no larger than src ${fmtShape(src.shape)}`,
      );
    }
  }
}

/** Values of `x` picked along `dim` at `index`: `out[i][j] = x[index[i][j]][j]` for dim 0. Output has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexDType('gather', index);
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkScatterGatherShapes('gather', x, d, index);
  return dispatch1('gather', [x, index], { dim: d });
}

function scatterLike(
  op: 'scatter' | 'scatterAdd',
  x: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor,
): Tensor {
  checkIndexDType(op, index);
  const d = normalizeDim(dim, x.ndim, op);
  if (src.dtype !== x.dtype) {
    throw new DTypeError(`${op}: expected src to have the input's dtype ${x.dtype}, got ${src.dtype}`);
  }
  if (op === 'scatterAdd') checkComputable(op, x);
  checkScatterGatherShapes(op, x, d, index, src);
  return dispatch1(op, [x, index, src], { dim: d });
}

/**
 * Out-of-place `torch.scatter`: a copy of `x` with `src` (a tensor of x's dtype, or a scalar)
 * written at `index` along `dim`. With repeated indices the last write wins.
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor {
  checkIndexDType('scatter', index);
  const s = src instanceof Tensor ? src : expand(scalarTensor(src, x.dtype, x.device), index.shape);
  return scatterLike('scatter', x, dim, index, s);
}

/** Out-of-place `torch.scatter_add`: a copy of `x` with `src` added at `index` along `dim` (repeats accumulate). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  if (!(src instanceof Tensor)) throw new DTypeError('scatterAdd: src must be a tensor');
  return scatterLike('scatterAdd', x, dim, index, src);
}

function checkVectorIndex(op: string, index: Tensor): void {
  checkIndexDType(op, index);
  if (index.ndim > 1) {
    throw new ShapeError(`${op}: index must be a 0-d or 1-d tensor, got shape ${fmtShape(index.shape)}`);
  }
}

/** The entries `index` (0-d or 1-d int32) of `x` along `dim`; `out.shape[dim] = index.numel`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkVectorIndex('indexSelect', index);
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  if (x.ndim === 0 && index.numel !== 1) {
    throw new IndexError(`indexSelect: a 0-d input takes exactly one index, got ${index.numel}`);
  }
  return dispatch1('indexSelect', [x, index], { dim: d });
}

/**
 * Out-of-place `torch.index_add`: a copy of `x` with `alpha * source[.., j, ..]` added at
 * `x[.., index[j], ..]` along `dim` (repeated indices accumulate).
 */
export function indexAdd(
  x: Tensor,
  dim: number,
  index: Tensor,
  source: Tensor,
  options?: { alpha?: number },
): Tensor {
  checkVectorIndex('indexAdd', index);
  checkComputable('indexAdd', x);
  const d = normalizeDim(dim, x.ndim, 'indexAdd');
  if (source.dtype !== x.dtype) {
    throw new DTypeError(
      `indexAdd: input (${x.dtype}) and source (${source.dtype}) must have the same dtype`,
    );
  }
  if (nd1(source) !== nd1(x)) {
    throw new ShapeError(
      `indexAdd: source ${fmtShape(source.shape)} and input ${fmtShape(x.shape)} must have the same number of dimensions`,
    );
  }
  if (size1(source, d) !== index.numel) {
    throw new ShapeError(
      `indexAdd: number of indices (${index.numel}) must equal source.size(${d}) (${size1(source, d)})`,
    );
  }
  for (let k = 0; k < nd1(x); k++) {
    if (k !== d && size1(source, k) !== size1(x, k)) {
      throw new ShapeError(
        `indexAdd: source ${fmtShape(source.shape)} must match input ${fmtShape(x.shape)} in every dimension but ${d}`,
      );
    }
  }
  const alpha = options?.alpha ?? 1;
  let src = source;
  if (alpha !== 1) {
    if (!Number.isInteger(alpha) && (x.dtype === 'int32' || x.dtype === 'bool')) {
      throw new ValueError(`indexAdd: alpha must be an integer for ${x.dtype} tensors, got ${alpha}`);
    }
    src = mul(source, alpha);
  }
  return dispatch1('indexAdd', [x, index, src], { dim: d });
}

/** Positions of the non-zero elements as an int32 tensor of shape `[n, ndim]` (row-major order). */
export function nonzero(x: Tensor): Tensor {
  return dispatch1('nonzero', [x]);
}

/** Same as `nonzero` (`torch.argwhere`). */
export function argwhere(x: Tensor): Tensor {
  return nonzero(x);
}

/** The elements of `x` where the bool `mask` is true (both broadcast), as a 1-d tensor. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedSelect: expected a bool mask, got ${mask.dtype}`);
  const shape = broadcastShapes('maskedSelect', x.shape, mask.shape);
  const m = reshape(sameShape(mask.shape, shape) ? mask : expand(mask, shape), [-1]);
  const xs = reshape(sameShape(x.shape, shape) ? x : expand(x, shape), [-1]);
  const idx = reshape(nonzero(m), [-1]);
  return indexSelect(xs, 0, idx);
}

/**
 * Sorts along `dim` (default last): values and int32 indices. The CPU sort is always stable; NaN
 * sorts as the largest value (last ascending, first descending), as in PyTorch.
 */
export function sort(
  x: Tensor,
  dim = -1,
  options?: { descending?: boolean; stable?: boolean },
): ValuesIndices {
  checkComputable('sort', x);
  const d = normalizeDim(dim, x.ndim, 'sort');
  const [values, indices] = dispatch('sort', [x], {
    dim: d,
    descending: options?.descending ?? false,
    stable: options?.stable ?? false,
  });
  return { values, indices };
}

/** The int32 indices that sort `x` along `dim`. */
export function argsort(x: Tensor, dim = -1, options?: { descending?: boolean; stable?: boolean }): Tensor {
  return sort(x, dim, options).indices;
}

/**
 * The `k` largest (or smallest, `largest: false`) values along `dim` and their indices, in sorted
 * order (`sorted: false` is accepted and also sorts). NaN counts as the largest value; ties keep
 * the lower index first.
 */
export function topk(
  x: Tensor,
  k: number,
  dim = -1,
  options?: { largest?: boolean; sorted?: boolean },
): ValuesIndices {
  const d = normalizeDim(dim, x.ndim, 'topk');
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new IndexError(`topk: k (${k}) is out of range for dimension ${d} of size ${n}`);
  }
  const { values, indices } = sort(x, d, { descending: options?.largest ?? true, stable: true });
  if (x.ndim === 0) return { values, indices };
  return { values: values.narrow(d, 0, k), indices: indices.narrow(d, 0, k) };
}

/** Options of `unique`. */
export interface UniqueOptions {
  /** Accepted for PyTorch compatibility; the result is always sorted. */
  sorted?: boolean;
  /** Also return, for each input element (or slice), the position of its value in `values`. */
  returnInverse?: boolean;
  /** Also return how often each unique value occurs. */
  returnCounts?: boolean;
  /** Unique slices along this dim instead of unique elements of the flattened tensor. */
  dim?: number;
}

/** What `unique` returns when `returnInverse` or `returnCounts` is set. */
export interface UniqueResult {
  /** The sorted unique values (or slices). */
  values: Tensor;
  /** int32 positions into `values`: x's shape without `dim`, or `[x.size(dim)]` with it (when requested). */
  inverse?: Tensor;
  /** int32 number of occurrences of each unique value (when requested). */
  counts?: Tensor;
}

/** Reads a tensor synchronously (unique's output shape depends on the data). */
function readSync(op: string, t: Tensor): TypedArray {
  if (!getBackend(t.device).readSync) {
    throw new DeviceError(
      `${op}: needs to read ${t.device} data synchronously; move the tensor to the CPU first`,
    );
  }
  return t.dataSync();
}

/**
 * The sorted unique elements of `x` (flattened), or its unique slices along `options.dim`. With
 * `returnInverse` / `returnCounts` it returns `{ values, inverse, counts }`. NaNs are all distinct.
 * Not differentiable; reads the data back (the output size depends on it).
 */
export function unique(
  x: Tensor,
  options?: UniqueOptions & { returnInverse?: false; returnCounts?: false },
): Tensor;
export function unique(x: Tensor, options: UniqueOptions): Tensor | UniqueResult;
export function unique(x: Tensor, options: UniqueOptions = {}): Tensor | UniqueResult {
  const r = options.dim === undefined ? uniqueFlat(x) : uniqueDim(x, options.dim);
  if (!options.returnInverse && !options.returnCounts) return r.values;
  const out: UniqueResult = { values: r.values };
  if (options.returnInverse) out.inverse = r.inverse;
  if (options.returnCounts) out.counts = r.counts;
  return out;
}

function uniqueFlat(x: Tensor): Required<UniqueResult> {
  checkComputable('unique', x);
  const { values, indices } = sort(reshape(x, [-1]), 0, { stable: true });
  const v = readSync('unique', values);
  const p = readSync('unique', indices);
  const n = v.length;
  const Ctor = arrayTypeOf(x.dtype);
  const uniq = new Ctor(n);
  const counts = new Int32Array(n);
  const inverse = new Int32Array(n);
  let g = -1;
  for (let i = 0; i < n; i++) {
    if (i === 0 || v[i] !== v[i - 1]) uniq[++g] = v[i];
    counts[g]++;
    inverse[p[i]] = g;
  }
  const ng = g + 1;
  const opts = { device: x.device };
  return {
    values: fromHost(uniq.slice(0, ng), [ng], x.dtype, opts),
    inverse: fromHost(inverse, x.shape, 'int32', opts),
    counts: fromHost(counts.slice(0, ng), [ng], 'int32', opts),
  };
}

function uniqueDim(x: Tensor, dim: number): Required<UniqueResult> {
  checkComputable('unique', x);
  const d = normalizeDim(dim, x.ndim, 'unique');
  const n = x.ndim === 0 ? 1 : x.shape[d];
  const order = x.shape.map((_, i) => i).filter((i) => i !== d);
  const rows = x.ndim === 0 ? reshape(x, [1, 1]) : reshape(permute(x, [d, ...order]), [n, -1]);
  const data = readSync('unique', rows);
  const len = n === 0 ? 0 : data.length / n;
  const cmp = (a: number, b: number): number => {
    for (let k = 0; k < len; k++) {
      const va = data[a * len + k];
      const vb = data[b * len + k];
      if (va < vb) return -1;
      if (va > vb) return 1;
    }
    return 0;
  };
  const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  const first: number[] = [];
  const counts: number[] = [];
  const inverse = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (i === 0 || cmp(perm[i], perm[i - 1]) !== 0) {
      first.push(perm[i]);
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[perm[i]] = first.length - 1;
  }
  const opts = { device: x.device };
  const idx = fromHost(Int32Array.from(first), [first.length], 'int32', opts);
  return {
    values: x.ndim === 0 ? cast(x, x.dtype, true) : indexSelect(x, d, idx),
    inverse: fromHost(inverse, [n], 'int32', opts),
    counts: fromHost(Int32Array.from(counts), [counts.length], 'int32', opts),
  };
}

/**
 * One-hot encoding (`torch.nn.functional.one_hot`): int32 of shape `[...indices.shape, numClasses]`.
 * `numClasses = -1` uses `max(indices) + 1`. Values must lie in `[0, numClasses)`.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  checkIndexDType('oneHot', indices);
  if (!Number.isInteger(numClasses) || numClasses < -1) {
    throw new ValueError(`oneHot: numClasses must be -1 or a non-negative integer, got ${numClasses}`);
  }
  const values = getBackend(indices.device).readSync ? indices.dataSync() : null;
  let lo = 0;
  let hi = -1;
  if (values) {
    lo = Number.POSITIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < lo) lo = values[i];
      if (values[i] > hi) hi = values[i];
    }
    if (values.length > 0 && lo < 0)
      throw new IndexError(`oneHot: class values must be non-negative, got ${lo}`);
  }
  let classes = numClasses;
  if (classes === -1) {
    if (!values)
      throw new ValueError('oneHot: numClasses = -1 needs data readable synchronously; pass numClasses');
    if (indices.numel === 0)
      throw new ValueError('oneHot: cannot infer the number of classes from an empty tensor');
    classes = hi + 1;
  } else if (hi >= classes) {
    throw new IndexError(`oneHot: class value ${hi} is out of range for numClasses ${classes}`);
  }
  const hot = eq(
    unsqueeze(indices, -1),
    arange(classes, undefined, 1, { dtype: 'int32', device: indices.device }),
  );
  return cast(hot, 'int32');
}

/** Elements of the flattened `x` at `index` (int32, any shape; negative values count from the end); output has index's shape. */
export function take(x: Tensor, index: Tensor): Tensor {
  checkIndexDType('take', index);
  const n = x.numel;
  const flat = reshape(index, [-1]);
  const wrapped = where(lt(flat, 0), add(flat, n), flat);
  let out: Tensor;
  try {
    out = indexSelect(reshape(x, [-1]), 0, wrapped);
  } catch (e) {
    if (e instanceof IndexError) {
      throw new IndexError(`take: an index is out of range for a tensor of ${n} elements (${e.message})`);
    }
    throw e;
  }
  return reshape(out, index.shape);
}
