/**
 * Shape ops: cat (a primitive: inputs the tensors, attrs {dim}, one contiguous output) and
 * composites built on it and on views, indexSelect, where and sliceScatter: stack, hstack, vstack,
 * dstack, repeat, tile, flip, roll, tril, triu, pad, meshgrid, diagonal, diag, trace.
 */
import { dispatch1 } from '../dispatch.js';
import { type DType, promoteTypes } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmtShape, normalizeDim, normalizeDims } from '../shape.js';
import type { DeviceName } from '../storage.js';
import { Tensor } from '../tensor.js';
import { asStrided, expand, narrow, reshape, unsqueeze } from '../views.js';
import { cast } from './copy.js';
import { arange, full, fromHost, zeros } from './creation.js';
import { ge, le, sub, where } from './elementwise.js';
import { indexSelect } from './indexing.js';
import { sum } from './reduce.js';
import { scalarTensor } from './scalar.js';

function checkTensorList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ValueError(`${op}: expected a non-empty list of tensors`);
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ValueError(`${op}: entry ${i} of the list is not a tensor`);
  });
}

function checkSizes(op: string, sizes: readonly number[], what: string): void {
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 0) {
      throw new ValueError(`${op}: ${what} must be non-negative integers, got ${fmtShape(sizes)}`);
    }
  }
}

const intTensor = (values: ArrayLike<number>, device: DeviceName) =>
  fromHost(Int32Array.from(values), [values.length], 'int32', { device });

/** A new tensor with x's values (x itself must not be returned by ops that copy in PyTorch). */
const copyOf = (x: Tensor) => cast(x, x.dtype, true);

/**
 * Concatenates tensors along `dim` (`torch.cat`). Dtypes are promoted; every tensor needs the same
 * number of dims and equal sizes except at `dim`. As in PyTorch, 1-d empty tensors (shape `[0]`)
 * are skipped whatever the others' shapes.
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkTensorList('cat', tensors);
  let dtype: DType = tensors[0].dtype;
  for (const t of tensors) dtype = promoteTypes(dtype, t.dtype);
  tensors.forEach((t, i) => {
    if (t.ndim === 0)
      throw new ShapeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  const kept = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (kept.length === 0) return zeros([0], { dtype, device: tensors[0].device });
  const ref = kept[0];
  const d = normalizeDim(dim, ref.ndim, 'cat');
  kept.forEach((t) => {
    if (t.ndim !== ref.ndim) {
      throw new ShapeError(
        `cat: tensors must have the same number of dimensions: got ${ref.ndim} and ${t.ndim}`,
      );
    }
  });
  tensors.forEach((t, i) => {
    if (t.ndim === 1 && t.shape[0] === 0) return;
    for (let k = 0; k < ref.ndim; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) {
        throw new ShapeError(
          `cat: sizes of tensors must match except in dimension ${d}: expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} (shapes ${fmtShape(ref.shape)} and ${fmtShape(t.shape)})`,
        );
      }
    }
  });
  return dispatch1(
    'cat',
    kept.map((t) => (t.dtype === dtype ? t : cast(t, dtype))),
    { dim: d },
  );
}

/** Stacks equally shaped tensors along a new dim `dim` (`torch.stack`). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkTensorList('stack', tensors);
  const shape = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
      throw new ShapeError(
        `stack: expects each tensor to be equal size, but got ${fmtShape(shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`,
      );
    }
  });
  const d = normalizeDim(dim, shape.length + 1, 'stack');
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** `x` with at least one dim (0-d becomes `[1]`), as `torch.atleast_1d`. */
export function atleast1d(x: Tensor): Tensor {
  return x.ndim >= 1 ? x : reshape(x, [1]);
}
/** `x` with at least two dims (`[n]` becomes `[1, n]`), as `torch.atleast_2d`. */
export function atleast2d(x: Tensor): Tensor {
  return x.ndim >= 2 ? x : reshape(x, [1, x.numel]);
}
/** `x` with at least three dims (`[n]` becomes `[1, n, 1]`, `[m, n]` becomes `[m, n, 1]`), as `torch.atleast_3d`. */
export function atleast3d(x: Tensor): Tensor {
  if (x.ndim >= 3) return x;
  return reshape(x, x.ndim === 2 ? [...x.shape, 1] : [1, x.numel, 1]);
}

/** Concatenates column-wise: along dim 1, or dim 0 when all inputs are 0-d/1-d (`torch.hstack`). */
export function hstack(tensors: readonly Tensor[]): Tensor {
  checkTensorList('hstack', tensors);
  const ts = tensors.map(atleast1d);
  return cat(ts, ts.every((t) => t.ndim === 1) ? 0 : 1);
}

/** Concatenates row-wise after making each input at least 2-d (`torch.vstack`). */
export function vstack(tensors: readonly Tensor[]): Tensor {
  checkTensorList('vstack', tensors);
  return cat(tensors.map(atleast2d), 0);
}

/** Concatenates depth-wise (dim 2) after making each input at least 3-d (`torch.dstack`). */
export function dstack(tensors: readonly Tensor[]): Tensor {
  checkTensorList('dstack', tensors);
  return cat(tensors.map(atleast3d), 2);
}

/**
 * Repeats `x` `sizes[i]` times along each dim (`torch.Tensor.repeat`); `sizes` may have more
 * entries than x has dims (x gets leading size-1 dims). Always returns a new tensor.
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new ShapeError(
      `repeat: number of repeat dims (${sizes.length}) cannot be smaller than the number of tensor dims (${x.ndim})`,
    );
  }
  checkSizes('repeat', sizes, 'repeats');
  const xs = [...new Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
  // [s0, s1, ...] -> [1, s0, 1, s1, ...] -> expand [r0, s0, r1, s1, ...] -> [r0*s0, r1*s1, ...]
  const interleaved = reshape(
    x,
    xs.flatMap((s) => [1, s]),
  );
  const expanded = expand(
    interleaved,
    xs.flatMap((s, i) => [sizes[i], s]),
  );
  const out = reshape(
    expanded,
    xs.map((s, i) => s * sizes[i]),
  );
  return out.storage === x.storage ? copyOf(out) : out;
}

/** Like `repeat`, but `sizes` shorter than x's dims is padded with leading ones (`torch.tile`). */
export function tile(x: Tensor, sizes: readonly number[]): Tensor {
  const full1 =
    sizes.length < x.ndim ? [...new Array<number>(x.ndim - sizes.length).fill(1), ...sizes] : sizes;
  checkSizes('tile', sizes, 'repeats');
  return repeat(x, full1);
}

function dimList(dims: number | readonly number[]): readonly number[] {
  return typeof dims === 'number' ? [dims] : dims;
}

/** Reverses the order of elements along `dims` (a copy, as `torch.flip`). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = normalizeDims(dimList(dims), x.ndim, 'flip');
  let out = x;
  for (const d of ds) {
    const n = x.ndim === 0 ? 1 : x.shape[d];
    if (n <= 1) continue;
    out = indexSelect(out, d, arange(n - 1, -1, -1, { dtype: 'int32', device: x.device }));
  }
  return out === x ? copyOf(x) : out;
}

/**
 * Rolls elements along `dims` by `shifts` (wrapping around, `torch.roll`). Without `dims` the
 * tensor is flattened, rolled by a single shift and reshaped back.
 */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  const ss = dimList(shifts);
  for (const s of ss) {
    if (!Number.isInteger(s)) throw new ValueError(`roll: shifts must be integers, got ${fmtShape(ss)}`);
  }
  if (dims === undefined) {
    if (ss.length !== 1) {
      throw new ShapeError(`roll: shifts and dims must align: got ${ss.length} shifts and no dims`);
    }
    return reshape(roll(reshape(x, [-1]), ss, 0), x.shape);
  }
  const ds = dimList(dims);
  if (ss.length !== ds.length) {
    throw new ShapeError(`roll: shifts and dims must align: got ${ss.length} shifts and ${ds.length} dims`);
  }
  let out = x;
  for (let i = 0; i < ds.length; i++) {
    const d = normalizeDim(ds[i], x.ndim, 'roll');
    if (x.ndim === 0) continue;
    const n = x.shape[d];
    if (n === 0) continue;
    const s = ((ss[i] % n) + n) % n;
    if (s === 0) continue;
    out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d);
  }
  return out === x ? copyOf(x) : out;
}

function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  if (x.ndim < 2) {
    throw new ShapeError(
      `${op}: input tensor must have at least 2 dimensions, got shape ${fmtShape(x.shape)}`,
    );
  }
  if (!Number.isInteger(diagonal))
    throw new ValueError(`${op}: diagonal must be an integer, got ${diagonal}`);
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  const rows = reshape(arange(m, undefined, 1, { dtype: 'int32', device: x.device }), [m, 1]);
  const cols = arange(n, undefined, 1, { dtype: 'int32', device: x.device });
  const offset = sub(cols, rows); // column - row, [m, n]
  const keep = op === 'tril' ? le(offset, diagonal) : ge(offset, diagonal);
  return where(keep, x, scalarTensor(0, x.dtype, x.device));
}

/** The lower triangle of the last two dims (elements with `col - row <= diagonal`), others zero. */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/** The upper triangle of the last two dims (elements with `col - row >= diagonal`), others zero. */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}

/** Options of `pad`. */
export interface PadOptions {
  /** `constant` (default) fills with `value`; the others copy from inside the tensor. */
  mode?: 'constant' | 'reflect' | 'replicate' | 'circular';
  /** Fill value of `constant` mode (default 0). */
  value?: number;
}

/**
 * Pads (or, with negative amounts, crops) `x` as `torch.nn.functional.pad`: `pad` lists
 * `[left, right]` amounts for the last dim, then the one before, and so on. Non-constant modes
 * work on any dims here (PyTorch only allows them on the trailing 1-3 dims of a batched input).
 */
export function pad(x: Tensor, padding: readonly number[], options?: PadOptions): Tensor {
  const mode = options?.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) {
    throw new ValueError(`pad: unknown mode '${mode}'; expected constant, reflect, replicate or circular`);
  }
  if (padding.length % 2 !== 0)
    throw new ValueError(`pad: padding length must be divisible by 2, got ${padding.length}`);
  if (padding.length / 2 > x.ndim) {
    throw new ValueError(
      `pad: padding length ${padding.length} is too large for a tensor of ${x.ndim} dims (at most ${2 * x.ndim})`,
    );
  }
  for (const p of padding) {
    if (!Number.isInteger(p)) throw new ValueError(`pad: padding must be integers, got ${fmtShape(padding)}`);
  }
  if (mode !== 'constant' && options?.value !== undefined && options.value !== 0) {
    throw new ValueError(`pad: padding mode '${mode}' doesn't take in a value argument`);
  }
  let out = x;
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const l = padding[2 * i];
    const r = padding[2 * i + 1];
    if (l === 0 && r === 0) continue;
    const n = out.shape[d];
    const size = n + l + r;
    if (size < 0) {
      throw new ShapeError(
        `pad: the input size ${n} of dim ${d}, plus negative padding ${l} and ${r}, gives a negative output size ${size}`,
      );
    }
    out = mode === 'constant' ? padConstant(out, d, l, r, options?.value ?? 0) : padCopy(mode, out, d, l, r);
  }
  return out === x ? copyOf(x) : out;
}

function padConstant(x: Tensor, d: number, l: number, r: number, value: number): Tensor {
  const n = x.shape[d];
  const start = Math.max(0, -l);
  const end = Math.min(n, n + r);
  const core = narrow(x, d, start, Math.max(0, end - start));
  const filler = (k: number) => {
    const shape = [...x.shape];
    shape[d] = k;
    return full(shape, value, { dtype: x.dtype, device: x.device });
  };
  const parts = [...(l > 0 ? [filler(l)] : []), core, ...(r > 0 ? [filler(r)] : [])];
  return parts.length === 1 ? copyOf(core) : cat(parts, d);
}

function padCopy(
  mode: 'reflect' | 'replicate' | 'circular',
  x: Tensor,
  d: number,
  l: number,
  r: number,
): Tensor {
  const n = x.shape[d];
  const at = `padding (${l}, ${r}) at dimension ${d} of input ${fmtShape(x.shape)}`;
  if (mode === 'reflect' && (l >= n || r >= n)) {
    throw new ValueError(`pad: reflect padding must be smaller than the input dimension, got ${at}`);
  }
  if (mode === 'replicate' && n === 0)
    throw new ValueError(`pad: replicate padding of an empty dimension: ${at}`);
  if (mode === 'circular' && (l > n || r > n || (n === 0 && l + r > 0))) {
    throw new ValueError(`pad: circular padding wraps around more than once: ${at}`);
  }
  if (mode === 'circular' && (l < 0 || r < 0)) {
    // PyTorch crops first, then wraps around what is left.
    const start = Math.max(0, -l);
    const cropped = narrow(x, d, start, n - start - Math.max(0, -r));
    return padCopy(mode, cropped, d, Math.max(0, l), Math.max(0, r));
  }
  const size = n + l + r;
  const idx = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    let p = i - l;
    if (mode === 'reflect') p = p < 0 ? -p : p >= n ? 2 * (n - 1) - p : p;
    else if (mode === 'replicate') p = Math.min(Math.max(p, 0), n - 1);
    else p = ((p % n) + n) % n;
    idx[i] = p;
  }
  return indexSelect(x, d, intTensor(idx, x.device));
}

/**
 * Coordinate grids from 0-d/1-d tensors (`torch.meshgrid`): `ij` (default) gives shape
 * `[n0, n1, ...]`; `xy` swaps the first two dims (`[n1, n0, ...]`). The grids are expanded views.
 */
export function meshgrid(tensors: readonly Tensor[], options?: { indexing?: 'ij' | 'xy' }): Tensor[] {
  checkTensorList('meshgrid', tensors);
  const indexing = options?.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') {
    throw new ValueError(`meshgrid: indexing must be 'ij' or 'xy', got '${indexing}'`);
  }
  tensors.forEach((t, i) => {
    if (t.ndim > 1)
      throw new ShapeError(`meshgrid: expected 0-d or 1-d tensors, got shape ${fmtShape(t.shape)} at ${i}`);
    if (t.dtype !== tensors[0].dtype) {
      throw new DTypeError(
        `meshgrid: expects all tensors to have the same dtype (${tensors[0].dtype} and ${t.dtype})`,
      );
    }
  });
  const swap = indexing === 'xy' && tensors.length >= 2;
  const pos = (i: number) => (swap && i < 2 ? 1 - i : i);
  const shape = new Array<number>(tensors.length);
  tensors.forEach((t, i) => {
    shape[pos(i)] = t.numel;
  });
  return tensors.map((t, i) => {
    const s = shape.map((_, k) => (k === pos(i) ? t.numel : 1));
    return expand(reshape(t, s), shape);
  });
}

/**
 * The diagonal `offset` (above the main one when positive) of the `dim1`/`dim2` planes, as a view
 * whose last dim runs along the diagonal (`torch.diagonal`).
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const a = normalizeDim(dim1, x.ndim, 'diagonal');
  const b = normalizeDim(dim2, x.ndim, 'diagonal');
  if (a === b) throw new ValueError(`diagonal: dimensions cannot be identical (${dim1}, ${dim2})`);
  if (!Number.isInteger(offset)) throw new ValueError(`diagonal: offset must be an integer, got ${offset}`);
  const len = Math.max(0, Math.min(x.shape[a] - Math.max(0, -offset), x.shape[b] - Math.max(0, offset)));
  const keep = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const start =
    len === 0 ? x.offset : x.offset + (offset >= 0 ? offset * x.strides[b] : -offset * x.strides[a]);
  return asStrided(
    x,
    [...keep.map((i) => x.shape[i]), len],
    [...keep.map((i) => x.strides[i]), x.strides[a] + x.strides[b]],
    start,
  );
}

/**
 * `torch.diag`: for a 1-d input, a square matrix with it on diagonal `k`; for a 2-d input, a copy of
 * its diagonal `k` as a 1-d tensor.
 */
export function diag(x: Tensor, k = 0): Tensor {
  if (!Number.isInteger(k)) throw new ValueError(`diag: diagonal must be an integer, got ${k}`);
  if (x.ndim === 2) return copyOf(diagonal(x, k));
  if (x.ndim !== 1)
    throw new ShapeError(`diag: expected a matrix or a vector, got shape ${fmtShape(x.shape)}`);
  const n = x.shape[0];
  const size = n + Math.abs(k);
  const base = zeros([size * size], { dtype: x.dtype, device: x.device });
  if (n === 0) return reshape(base, [size, size]);
  const start = k >= 0 ? k : -k * size;
  const step = size + 1;
  const flat = dispatch1('sliceScatter', [base, x], { dim: 0, start, end: start + (n - 1) * step + 1, step });
  return reshape(flat, [size, size]);
}

/** Sum of the main diagonal of a 2-d tensor (`torch.trace`). */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`trace: expected a matrix, got shape ${fmtShape(x.shape)}`);
  return sum(diagonal(x));
}
