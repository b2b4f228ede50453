/**
 * CPU kernels of the indexing primitives. Front ends (ops/indexing.ts, ops/shape-ops.ts) validate
 * dtypes, dims and shapes; kernels validate index *values* (they are data) and throw IndexError.
 *
 * Primitives (inputs; attrs -> outputs). Index tensors are int32; outputs are new contiguous tensors.
 * - `cat`         (t0, t1, ...; {dim}) -> [out]: same dtype and ndim >= 1, sizes equal except at `dim`.
 * - `gather`      (x, index; {dim}) -> [out]: out[..i..] = x[..index[..i..] at dim..]; out shape =
 *                 index shape, dtype of x. 0-d x/index act as 1-d of size 1.
 * - `scatter`     (x, index, src; {dim}) -> [out]: copy of x with out[..index[i] at dim..] = src[i]
 *                 for every position i of index (src has x's dtype, src.size(d) >= index.size(d)).
 * - `scatterAdd`  (x, index, src; {dim}) -> [out]: like scatter but adds (duplicates accumulate).
 * - `indexSelect` (x, index; {dim}) -> [out]: index 0-d/1-d; out.shape[dim] = index.numel.
 * - `indexAdd`    (x, index, source; {dim}) -> [out]: copy of x with out[.., index[j], ..] +=
 *                 source[.., j, ..] along dim (alpha is applied by the front end to `source`).
 * - `nonzero`     (x; {}) -> [out]: int32 [n, ndim] positions of non-zero (NaN counts) elements,
 *                 row-major order. Not differentiable; data-dependent shape.
 * - `sort`        (x; {dim, descending, stable}) -> [values, indices]: stable sort along dim (the
 *                 CPU always sorts stably); NaN is larger than everything; indices int32. Gradient:
 *                 scatter / indexAdd of the output gradient back to `indices` along dim.
 */
import type { Kernel } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { IndexError } from '../../errors.js';
import { contiguousStrides, shapeNumel } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { castKernel } from './elementwise.js';
import { contiguousCopy, cpuContiguousData, cpuData, newCpuTensor } from './memory.js';

function outOfRange(op: string, index: number, dim: number, size: number): IndexError {
  return new IndexError(`${op}: index ${index} is out of bounds for dimension ${dim} with size ${size}`);
}

/** Shape and strides with a 0-d tensor seen as 1-d of size 1 (PyTorch's ensure_nonempty). */
function nonEmpty(t: Tensor): { shape: readonly number[]; strides: readonly number[] } {
  return t.ndim === 0 ? { shape: [1], strides: [0] } : { shape: t.shape, strides: t.strides };
}

/**
 * Walks `shape` in row-major order one innermost row at a time, tracking a strided offset per
 * operand, and calls `row(offsets, rowLength, flatIndexOfRowStart)` (once per row, not per element).
 */
function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  starts: readonly number[],
  row: (offs: number[], len: number, flat: number) => void,
): void {
  const nd = shape.length;
  const offs = [...starts];
  if (nd === 0) {
    row(offs, 1, 0);
    return;
  }
  const total = shapeNumel(shape);
  if (total === 0) return;
  const inner = shape[nd - 1];
  const idx = new Int32Array(nd);
  let flat = 0;
  for (let r = total / inner; r > 0; r--) {
    row(offs, inner, flat);
    flat += inner;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (let q = 0; q < offs.length; q++) offs[q] += strides[q][d];
      if (idx[d] < shape[d]) break;
      for (let q = 0; q < offs.length; q++) offs[q] -= strides[q][d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Index values as a contiguous Int32Array, all checked against `size`. */
function checkedIndices(op: string, index: Tensor, dim: number, size: number): Int32Array {
  const idx = cpuContiguousData(index) as Int32Array;
  for (let j = 0; j < idx.length; j++) {
    const k = idx[j];
    if (k < 0 || k >= size) throw outOfRange(op, k, dim, size);
  }
  return idx;
}

const cat: Kernel = (inputs, a) => {
  const dim = a.dim as number;
  const shape = [...inputs[0].shape];
  shape[dim] = inputs.reduce((s, t) => s + t.shape[dim], 0);
  const { tensor, data: out } = newCpuTensor(shape, inputs[0].dtype);
  const outer = shapeNumel(shape.slice(0, dim));
  const rest = shapeNumel(shape.slice(dim + 1));
  const outRow = shape[dim] * rest;
  let at = 0;
  for (const t of inputs) {
    // Strided pieces (gradients of permuted views) are made contiguous by the active kernel set.
    const src = t.isContiguous() ? cpuContiguousData(t) : contiguousCopy(t);
    const len = t.shape[dim] * rest;
    if (len > 0) {
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * len, (o + 1) * len), o * outRow + at);
    }
    at += len;
  }
  return [tensor];
};

const gather: Kernel = ([x, index], a) => {
  const dim = a.dim as number;
  const { tensor, data: out } = newCpuTensor(index.shape, x.dtype);
  const xv = nonEmpty(x);
  const iv = nonEmpty(index);
  const size = xv.shape[dim];
  const sd = xv.strides[dim];
  const xs = xv.strides.map((s, d) => (d === dim ? 0 : s));
  const nd = iv.shape.length;
  const xi = xs[nd - 1];
  const ii = iv.strides[nd - 1];
  const xd = cpuData(x);
  const id = cpuData(index);
  forEachRow(iv.shape, [xs, iv.strides], [x.offset, index.offset], (o, len, flat) => {
    const bx = o[0];
    const bi = o[1];
    for (let j = 0; j < len; j++) {
      const k = id[bi + j * ii];
      if (k < 0 || k >= size) throw outOfRange('gather', k, dim, size);
      out[flat + j] = xd[bx + j * xi + k * sd];
    }
  });
  return [tensor];
};

function scatterKernel(op: string, add: boolean): Kernel {
  return ([x, index, src], a) => {
    const dim = a.dim as number;
    const result = castKernel([x], { dtype: x.dtype })[0];
    const out = cpuData(result);
    const xv = nonEmpty(x);
    const iv = nonEmpty(index);
    const sv = nonEmpty(src);
    const size = xv.shape[dim];
    const os = contiguousStrides(xv.shape);
    const sd = os[dim];
    const osm = os.map((s, d) => (d === dim ? 0 : s));
    const nd = iv.shape.length;
    const oi = osm[nd - 1];
    const ii = iv.strides[nd - 1];
    const si = sv.strides[nd - 1];
    const id = cpuData(index);
    const sdata = cpuData(src);
    const isBool = x.dtype === 'bool';
    forEachRow(iv.shape, [osm, iv.strides, sv.strides], [0, index.offset, src.offset], (o, len) => {
      const [bo, bi, bs] = o;
      for (let j = 0; j < len; j++) {
        const k = id[bi + j * ii];
        if (k < 0 || k >= size) throw outOfRange(op, k, dim, size);
        const p = bo + j * oi + k * sd;
        if (!add) out[p] = sdata[bs + j * si];
        else if (isBool) out[p] = out[p] | sdata[bs + j * si];
        else out[p] += sdata[bs + j * si];
      }
    });
    return [result];
  };
}

const indexSelect: Kernel = ([x, index], a) => {
  const dim = a.dim as number;
  const xv = nonEmpty(x);
  const n = xv.shape[dim];
  const idx = checkedIndices('indexSelect', index, dim, n);
  const m = idx.length;
  const shape = x.ndim === 0 ? [] : x.shape.map((s, d) => (d === dim ? m : s));
  const { tensor, data: out } = newCpuTensor(shape, x.dtype);
  if (tensor.numel === 0) return [tensor];
  const src = cpuContiguousData(x);
  const outer = shapeNumel(xv.shape.slice(0, dim));
  const inner = shapeNumel(xv.shape.slice(dim + 1));
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const bs = o * n;
      const bo = o * m;
      for (let j = 0; j < m; j++) out[bo + j] = src[bs + idx[j]];
    }
  } else {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const s = (o * n + idx[j]) * inner;
        out.set(src.subarray(s, s + inner), (o * m + j) * inner);
      }
    }
  }
  return [tensor];
};

const indexAdd: Kernel = ([x, index, source], a) => {
  const dim = a.dim as number;
  const xv = nonEmpty(x);
  const n = xv.shape[dim];
  const idx = checkedIndices('indexAdd', index, dim, n);
  const m = idx.length;
  const result = castKernel([x], { dtype: x.dtype })[0];
  const out = cpuData(result);
  const src = cpuContiguousData(source);
  const outer = shapeNumel(xv.shape.slice(0, dim));
  const inner = shapeNumel(xv.shape.slice(dim + 1));
  const isBool = x.dtype === 'bool';
  if (x.dtype === 'float32') {
    addRowsF32(out as Float32Array, src as Float32Array, idx, outer, n, m, inner);
    return [result];
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const bo = (o * n + idx[j]) * inner;
      const bs = (o * m + j) * inner;
      if (isBool) for (let t = 0; t < inner; t++) out[bo + t] = out[bo + t] | src[bs + t];
      else for (let t = 0; t < inner; t++) out[bo + t] += src[bs + t];
    }
  }
  return [result];
};

/**
 * `indexAdd`'s loop for float32 alone (the embedding gradient's case): a function that only ever
 * sees Float32Arrays stays monomorphic in V8, several times faster than the shared loop.
 */
function addRowsF32(
  out: Float32Array,
  src: Float32Array,
  idx: ArrayLike<number>,
  outer: number,
  n: number,
  m: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const bo = (o * n + idx[j]) * inner;
      const bs = (o * m + j) * inner;
      for (let t = 0; t < inner; t++) out[bo + t] += src[bs + t];
    }
  }
}

const nonzero: Kernel = ([x]) => {
  const data = cpuContiguousData(x);
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) count++;
  const nd = x.ndim;
  const { tensor, data: out } = newCpuTensor([count, nd], 'int32');
  if (nd === 0 || count === 0) return [tensor];
  const idx = new Int32Array(nd);
  let w = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0) {
      out.set(idx, w);
      w += nd;
    }
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  return [tensor];
};

const RUN = 16;

/**
 * Stable sort of `perm[0..n)` (positions into `keys`, which hold no NaN) ascending or descending:
 * insertion-sorted runs, then bottom-up merges. `tmp` is scratch of at least n entries.
 */
function stableSort(keys: Float64Array, perm: Int32Array, tmp: Int32Array, n: number, desc: boolean): void {
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = perm[i];
      const kv = keys[v];
      let j = i - 1;
      if (desc) {
        while (j >= lo && keys[perm[j]] < kv) {
          perm[j + 1] = perm[j];
          j--;
        }
      } else {
        while (j >= lo && keys[perm[j]] > kv) {
          perm[j + 1] = perm[j];
          j--;
        }
      }
      perm[j + 1] = v;
    }
  }
  let src = perm;
  let dst = tmp;
  for (let w = RUN; w < n; w *= 2) {
    for (let lo = 0; lo < n; lo += 2 * w) {
      const mid = Math.min(lo + w, n);
      const hi = Math.min(lo + 2 * w, n);
      let i = lo;
      let j = mid;
      let k = lo;
      if (desc) {
        while (i < mid && j < hi) dst[k++] = keys[src[j]] > keys[src[i]] ? src[j++] : src[i++];
      } else {
        while (i < mid && j < hi) dst[k++] = keys[src[j]] < keys[src[i]] ? src[j++] : src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== perm) perm.set(src.subarray(0, n));
}

const sort: Kernel = ([x], a) => {
  const dim = a.dim as number;
  const desc = a.descending === true;
  const values = newCpuTensor(x.shape, x.dtype);
  const indices = newCpuTensor(x.shape, 'int32');
  if (x.numel === 0) return [values.tensor, indices.tensor];
  const xv = nonEmpty(x);
  const src: TypedArray = cpuContiguousData(x);
  const n = xv.shape[dim];
  const outer = shapeNumel(xv.shape.slice(0, dim));
  const inner = shapeNumel(xv.shape.slice(dim + 1));
  const keys = new Float64Array(n);
  const perm = new Int32Array(n);
  const tmp = new Int32Array(n);
  const nans = new Int32Array(n);
  const vOut = values.data;
  const iOut = indices.data;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < inner; t++) {
      const base = o * n * inner + t;
      let m = 0;
      let q = 0;
      for (let j = 0; j < n; j++) {
        const v = src[base + j * inner];
        keys[j] = v;
        if (Number.isNaN(v)) nans[q++] = j;
        else perm[m++] = j;
      }
      stableSort(keys, perm, tmp, m, desc);
      // NaN sorts as the largest value: last ascending, first descending (in original order).
      if (q > 0) {
        if (desc) {
          perm.copyWithin(q, 0, m);
          perm.set(nans.subarray(0, q), 0);
        } else perm.set(nans.subarray(0, q), m);
      }
      for (let j = 0; j < n; j++) {
        const p = base + j * inner;
        vOut[p] = src[base + perm[j] * inner];
        iOut[p] = perm[j];
      }
    }
  }
  return [values.tensor, indices.tensor];
};

/** Indexing kernels of the CPU backend (see the primitive list at the top of this file). */
export const indexingKernels: Record<string, Kernel> = {
  cat,
  gather,
  scatter: scatterKernel('scatter', false),
  scatterAdd: scatterKernel('scatterAdd', true),
  indexSelect,
  indexAdd,
  nonzero,
  sort,
};
