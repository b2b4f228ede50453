import type { Kernel } from './backend.js';
import { dispatch, dispatch1 } from './dispatch.js';
import { IndexError, ShapeError, ValueError } from './errors.js';
import { fmtShape, inferViewShape, normalizeDim, normalizeDims, shapeNumel } from './shape.js';
import { Tensor } from './tensor.js';
import { contiguous } from './ops/copy.js';

/** The `slice` view: `dim, start:end:step` of x. */
function sliceView(x: Tensor, dim: number, start: number, end: number, step: number): Tensor {
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[dim] = Math.max(0, Math.ceil((end - start) / step));
  strides[dim] = x.strides[dim] * step;
  return new Tensor(x.storage, shape, strides, x.offset + start * x.strides[dim]);
}

/**
 * View primitives: they only change shape/strides/offset and share storage, so one implementation
 * serves every backend. Autograd still sees them as ops (each has a derivative).
 */
export const viewKernels: Record<string, Kernel> = {
  view: ([x], a) => [new Tensor(x.storage, a.shape as number[], a.strides as number[], x.offset)],
  permute: ([x], a) => {
    const dims = a.dims as number[];
    return [
      new Tensor(
        x.storage,
        dims.map((d) => x.shape[d]),
        dims.map((d) => x.strides[d]),
        x.offset,
      ),
    ];
  },
  expand: ([x], a) => {
    const shape = a.shape as number[];
    const lead = shape.length - x.ndim;
    const strides = shape.map((s, i) => (i < lead || x.shape[i - lead] !== s ? 0 : x.strides[i - lead]));
    return [new Tensor(x.storage, shape, strides, x.offset)];
  },
  slice: ([x], a) => {
    const { dim, start, end, step } = a as { dim: number; start: number; end: number; step: number };
    return [sliceView(x, dim, start, end, step)];
  },
  // Consecutive pieces of `sizes` along `dim` (torch.split): one op with one output per piece, so
  // autograd gives them a single node whose gradient is one cat (as PyTorch's SplitBackward),
  // not one zero-padded gradient per piece summed up.
  split: ([x], a) => {
    const dim = a.dim as number;
    let start = 0;
    return (a.sizes as number[]).map((n) => {
      const piece = sliceView(x, dim, start, start + n, 1);
      start += n;
      return piece;
    });
  },
  asStrided: ([x], a) => [
    new Tensor(x.storage, a.shape as number[], a.strides as number[], a.offset as number),
  ],
};

/** Strides for viewing `x` as `shape` without copying, or null when the layout does not allow it. */
function viewStrides(x: Tensor, shape: readonly number[]): number[] | null {
  // An empty tensor can take any shape of the same (zero) numel, as in PyTorch's computeStride.
  if (x.isContiguous() || x.numel === 0) {
    const strides = new Array<number>(shape.length);
    let s = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= Math.max(shape[i], 1);
    }
    return strides;
  }
  // PyTorch's computeStride: split old dims into chunks of contiguous memory and map new dims onto them.
  const newStrides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = x.strides[x.ndim - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    tensorNumel *= x.shape[d];
    if (d === 0 || (x.shape[d - 1] !== 1 && x.strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = x.strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

/** A view of `x` with another shape (one size may be -1). Throws if the strides do not allow it. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferViewShape(shape, x.numel, 'view');
  const strides = viewStrides(x, target);
  if (!strides) {
    throw new ShapeError(
      `view: size ${fmtShape(target)} is not compatible with input of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)}; use reshape() instead`,
    );
  }
  return dispatch1('view', [x], { shape: target, strides });
}

/** `view` when possible, otherwise a contiguous copy reshaped. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferViewShape(shape, x.numel, 'reshape');
  return viewStrides(x, target) ? view(x, target) : view(contiguous(x), target);
}

/** Reorders dims: output dim `i` is input dim `dims[i]`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new ShapeError(
      `permute: number of dims don't match (input has ${x.ndim} dims, got dims ${fmtShape(dims)})`,
    );
  }
  return dispatch1('permute', [x], { dims: normalizeDims(dims, x.ndim, 'permute') });
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  if (x.ndim < 2 || a === b) return x;
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return dispatch1('permute', [x], { dims });
}

/** Transpose of a 0-, 1- or 2-d tensor. */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2)
    throw new ShapeError(`t: expects a tensor with <= 2 dimensions, but got shape ${fmtShape(x.shape)}`);
  return transpose(x, 0, x.ndim - 1);
}

/** Broadcasts to `shape` (leading dims may be added; -1 keeps a size) without copying. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new ShapeError(
      `expand: the number of sizes provided (${shape.length}) must be >= the number of dims (${x.ndim})`,
    );
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((s, i) => {
    const cur = i >= lead ? x.shape[i - lead] : 1;
    if (s === -1) {
      if (i < lead) throw new ShapeError(`expand: -1 is not allowed in a leading, non-existing dimension`);
      return cur;
    }
    if (cur !== s && cur !== 1) {
      throw new ShapeError(
        `expand: the expanded size ${s} must match the existing size ${cur} at dim ${i} (shape ${fmtShape(x.shape)} to ${fmtShape(shape)})`,
      );
    }
    return s;
  });
  if (target.length === x.ndim && target.every((s, i) => s === x.shape[i])) return x;
  return dispatch1('expand', [x], { shape: target });
}

/** Removes size-1 dims (all of them, or the given ones when they have size 1). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims =
    dim === undefined
      ? x.shape.map((_, i) => i)
      : normalizeDims(typeof dim === 'number' ? [dim] : dim, x.ndim, 'squeeze');
  const drop = new Set(dims.filter((d) => x.shape[d] === 1));
  if (drop.size === 0) return x;
  return view(
    x,
    x.shape.filter((_, i) => !drop.has(i)),
  );
}

/** Inserts a size-1 dim at `dim` (in `[-ndim-1, ndim]`). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Merges dims `startDim..endDim`. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} cannot come after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), shapeNumel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Splits dim `dim` into `sizes` (one may be -1). */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, x.ndim, 'unflatten');
  const inner = inferViewShape(sizes, x.shape[d], 'unflatten');
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/** Elements `start, start+step, ...` before `end` along `dim` (a view). Negative bounds count from the end. */
export function slice(
  x: Tensor,
  dim: number,
  start: number | null = 0,
  end: number | null = null,
  step = 1,
): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0)
    throw new ValueError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clampIdx(start ?? 0);
  const e = Math.max(clampIdx(end ?? n), s);
  if (s === 0 && e === n && step === 1) return x;
  return dispatch1('slice', [x], { dim: d, start: s, end: e, step });
}

/** `length` elements along `dim` from `start` (must be in range). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new IndexError(
      `narrow: start ${start} + length ${length} exceeds dimension ${d} of size ${x.shape[d]}`,
    );
  }
  return slice(x, d, s, s + length);
}

/** The slice at `index` along `dim`, with that dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'select');
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new IndexError(`select: index ${index} is out of bounds for dimension ${d} with size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  const s = dispatch1('slice', [x], { dim: d, start: i, end: i + 1, step: 1 });
  return view(
    s,
    x.shape.filter((_, k) => k !== d),
  );
}

/** A slice description for `index`: `slice(start, end, step)` like Python's `start:end:step`. */
export interface Slice {
  /** Tag that tells a slice apart from the other `IndexItem`s. */
  readonly kind: 'slice';
  /** First index taken (negative counts from the end); null starts at 0. */
  readonly start: number | null;
  /** Index to stop before (negative counts from the end); null runs to the end of the dim. */
  readonly end: number | null;
  /** Distance between taken indices, a positive integer (1 takes every element). */
  readonly step: number;
}

/** Python's `start:end:step` for `Tensor.index`; `slice()` is `:`. */
export function sliceOf(start: number | null = null, end: number | null = null, step = 1): Slice {
  return { kind: 'slice', start, end, step };
}

/** One item of `Tensor.index`: an integer selects, a Slice slices, null inserts a dim, '...' fills. */
export type IndexItem = number | Slice | null | '...';

/** PyTorch-style basic indexing: `x.index([0, sliceOf(1, null, 2), null, '...'])` ≡ `x[0, 1::2, None, ...]`. */
export function index(x: Tensor, items: readonly IndexItem[]): Tensor {
  const consumed = items.filter((it) => it !== null && it !== '...').length;
  const ellipses = items.filter((it) => it === '...').length;
  if (ellipses > 1) throw new IndexError(`index: an index can only have a single ellipsis ('...')`);
  if (consumed > x.ndim)
    throw new IndexError(`index: too many indices for tensor of dimension ${x.ndim} (got ${consumed})`);
  const expanded: IndexItem[] = [];
  for (const it of items) {
    if (it === '...') for (let k = 0; k < x.ndim - consumed; k++) expanded.push(sliceOf());
    else expanded.push(it);
  }
  let out = x;
  let dim = 0;
  for (const it of expanded) {
    if (it === null) {
      out = unsqueeze(out, dim);
      dim++;
    } else if (typeof it === 'number') {
      out = select(out, dim, it);
    } else if (it !== '...' && it.kind === 'slice') {
      out = slice(out, dim, it.start, it.end, it.step);
      dim++;
    } else {
      throw new IndexError(`index: unsupported index item ${JSON.stringify(it)}`);
    }
  }
  return out;
}

/** A view with explicit shape, strides and storage offset; the caller guarantees it stays in bounds. */
export function asStrided(
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset = x.offset,
): Tensor {
  if (shape.length !== strides.length)
    throw new ShapeError(
      `asStrided: shape ${fmtShape(shape)} and strides ${fmtShape(strides)} differ in length`,
    );
  let last = offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0)
      return dispatch1('asStrided', [x], { shape: [...shape], strides: [...strides], offset });
    last += (shape[i] - 1) * strides[i];
  }
  if (offset < 0 || last >= x.storage.length || strides.some((s) => s < 0)) {
    throw new IndexError(
      `asStrided: view ${fmtShape(shape)} strides ${fmtShape(strides)} offset ${offset} reaches outside the storage of ${x.storage.length} elements`,
    );
  }
  return dispatch1('asStrided', [x], { shape: [...shape], strides: [...strides], offset });
}

/** Splits along `dim` into pieces of `size` (the last may be smaller) or of the listed sizes. */
export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  const n = x.shape[d];
  let sizes: number[];
  if (typeof size === 'number') {
    if (!Number.isInteger(size) || size <= 0)
      throw new ValueError(`split: split size must be a positive integer, got ${size}`);
    sizes = [];
    for (let s = 0; s < n; s += size) sizes.push(Math.min(size, n - s));
    if (n === 0) sizes.push(0);
  } else {
    sizes = [...size];
    if (sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new ShapeError(`split: sizes ${fmtShape(sizes)} do not sum to the size ${n} of dimension ${d}`);
    }
  }
  return dispatch('split', [x], { dim: d, sizes });
}

/** Splits into `chunks` pieces of `ceil(n / chunks)` along `dim` (maybe fewer pieces). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim(dim, x.ndim, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** All slices along `dim`, each without that dim. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}
