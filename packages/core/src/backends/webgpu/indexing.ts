/**
 * Indexing kernels of the WebGPU backend (primitive contracts: backends/cpu/indexing.ts).
 *
 * Index values are data on the GPU, so kernels cannot throw: a bad index is clamped away (nothing
 * is read or written out of bounds, the element gets 0 or is skipped) and recorded in the runtime's
 * error buffer; the next read-back throws the IndexError.
 *
 * - `cat`: one strided copy per input into its slice of the output.
 * - `gather`, `indexSelect`: one invocation per output element.
 * - `scatter`, `scatterAdd`, `indexAdd`: deterministic without atomics. Index positions that differ
 *   outside `dim` write to different output elements, so one invocation owns each line along `dim`
 *   and walks it in order: the same writes, in the same order, as the CPU kernel (duplicates: the
 *   last write wins / sums accumulate in index order).
 * - `sort`: stable; NaN sorts as the largest value. Rows up to 256 long use a one-pass rank sort
 *   (each element counts the elements that sort before it), longer rows a bitonic network over
 *   (value, index) pairs padded to a power of two.
 * - `nonzero`: its output size depends on the data, which a synchronous kernel cannot read back
 *   from the GPU: it throws a DeviceError (move the tensor to the CPU with `await x.toAsync('cpu')`).
 */
import type { Kernel } from '../../backend.js';
import { DeviceError } from '../../errors.js';
import { contiguousStrides, shapeNumel } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { coalesce } from '../cpu/codegen.js';
import { stridedCopy } from './copy.js';
import { castTo } from './elementwise.js';
import { bufferOf, gpuType, newGpuTensor, rt } from './memory.js';
import { ERR } from './runtime.js';
import { decl, errDecl, launch, loadAs, main1d, metaDecl, reportBadIndex, stridedOffsets } from './shader.js';

/** Shape and strides with a 0-d tensor seen as 1-d of size 1 (PyTorch's ensure_nonempty). */
function nonEmpty(t: Tensor): { shape: readonly number[]; strides: readonly number[] } {
  return t.ndim === 0 ? { shape: [1], strides: [0] } : { shape: t.shape, strides: t.strides };
}

const cat: Kernel = (inputs, a) => {
  const dim = a.dim as number;
  const shape = [...inputs[0].shape];
  shape[dim] = inputs.reduce((s, t) => s + t.shape[dim], 0);
  const out = newGpuTensor(shape, inputs[0].dtype);
  let at = 0;
  for (const t of inputs) {
    if (t.numel > 0) stridedCopy(new Tensor(out.storage, t.shape, out.strides, at * out.strides[dim]), t);
    at += t.shape[dim];
  }
  return [out];
};

const gather: Kernel = ([x, index], a) => {
  const dim = a.dim as number;
  const out = newGpuTensor(index.shape, x.dtype);
  if (out.numel === 0) return [out];
  const xv = nonEmpty(x);
  const iv = nonEmpty(index);
  const xs = xv.strides.map((s, d) => (d === dim ? 0 : s));
  const c = coalesce(iv.shape, [contiguousStrides(iv.shape), iv.strides, xs]);
  const nd = c.shape.length;
  const t = gpuType(x.dtype);
  const at = 3 + 3 * nd;
  const source = () => `${decl(0, 'x', t)}
${decl(1, 'index', 'i32')}
${decl(2, 'out', t, true)}
${errDecl(3)}
${metaDecl(4)}
${main1d(`${stridedOffsets('i', nd, 3, [1, 2], [3 + nd, 3 + 2 * nd], ['ox', 'oi'])}
  let k = index[oi];
  let size = prm[${at + 1}];
  if (k < 0 || k >= size) { ${reportBadIndex(ERR.gather, 'k', 'size')} out[i] = ${t}(0); return; }
  out[i] = x[ox + k * prm[${at}]];`)}`;
  const meta = [
    0,
    x.offset,
    index.offset,
    ...c.shape,
    ...c.strides[2],
    ...c.strides[1],
    xv.strides[dim],
    xv.shape[dim],
  ];
  launch(
    `gather|${t}|${nd}`,
    source,
    [bufferOf(x), bufferOf(index), bufferOf(out), errBuffer()],
    meta,
    out.numel,
  );
  return [out];
};

/** The runtime's error buffer, where kernels record a bad index. */
function errBuffer(): GPUBuffer {
  return rt().errorBuffer;
}

function scatterKernel(op: 'scatter' | 'scatterAdd'): Kernel {
  return ([x, index, src], a) => {
    const dim = a.dim as number;
    const out = castTo(x, x.dtype);
    if (index.numel === 0) return [out];
    const xv = nonEmpty(x);
    const iv = nonEmpty(index);
    const sv = nonEmpty(src);
    const os = contiguousStrides(xv.shape);
    const without = <T>(arr: readonly T[]) => arr.filter((_, d) => d !== dim);
    const c = coalesce(without(iv.shape), [without(iv.strides), without(sv.strides), without(os)]);
    const nl = c.shape.length;
    const t = gpuType(x.dtype);
    const add = op === 'scatterAdd';
    const update = !add ? 'v' : x.dtype === 'bool' ? 'out[p] | v' : 'out[p] + v';
    const at = 3 + 4 * nl;
    const code = add ? ERR.scatterAdd : ERR.scatter;
    const source = () => `${decl(0, 'index', 'i32')}
${decl(1, 'src', t)}
${decl(2, 'out', t, true)}
${errDecl(3)}
${metaDecl(4)}
${main1d(`${stridedOffsets('i', nl, 3, [1, 2, null], [3 + nl, 3 + 2 * nl, 3 + 3 * nl], ['oi', 'os', 'oo'])}
  let m = prm[${at}];
  let isd = prm[${at + 1}];
  let ssd = prm[${at + 2}];
  let osd = prm[${at + 3}];
  let size = prm[${at + 4}];
  for (var j = 0; j < m; j = j + 1) {
    let k = index[oi + j * isd];
    if (k < 0 || k >= size) { ${reportBadIndex(code, 'k', 'size')} continue; }
    let p = oo + k * osd;
    let v = src[os + j * ssd];
    out[p] = ${update};
  }`)}`;
    const meta = [0, index.offset, src.offset, ...c.shape, ...c.strides.flat()];
    meta.push(iv.shape[dim], iv.strides[dim], sv.strides[dim], os[dim], xv.shape[dim]);
    const lines = shapeNumel(c.shape);
    launch(
      `${op}|${x.dtype}|${nl}`,
      source,
      [bufferOf(index), bufferOf(src), bufferOf(out), errBuffer()],
      meta,
      lines,
    );
    return [out];
  };
}

const indexSelect: Kernel = ([x, index], a) => {
  const dim = a.dim as number;
  const xv = nonEmpty(x);
  const m = index.numel;
  const shape = x.ndim === 0 ? [] : x.shape.map((s, d) => (d === dim ? m : s));
  const out = newGpuTensor(shape, x.dtype);
  if (out.numel === 0) return [out];
  const vshape = xv.shape.map((s, d) => (d === dim ? m : s));
  const xs = xv.strides.map((s, d) => (d === dim ? 0 : s));
  const c = coalesce(vshape, [contiguousStrides(vshape), xs]);
  const nd = c.shape.length;
  const inner = shapeNumel(vshape.slice(dim + 1));
  const t = gpuType(x.dtype);
  const ist = index.ndim === 0 ? 0 : index.strides[0];
  const at = 2 + 2 * nd;
  const source = () => `${decl(0, 'x', t)}
${decl(1, 'index', 'i32')}
${decl(2, 'out', t, true)}
${errDecl(3)}
${metaDecl(4)}
${main1d(`${stridedOffsets('i', nd, 2, [1], [2 + nd], ['ox'])}
  let j = (i / prm[${at}]) % prm[${at + 1}];
  let k = index[prm[${at + 2}] + j * prm[${at + 3}]];
  let size = prm[${at + 5}];
  if (k < 0 || k >= size) { ${reportBadIndex(ERR.indexSelect, 'k', 'size')} out[i] = ${t}(0); return; }
  out[i] = x[ox + k * prm[${at + 4}]];`)}`;
  const meta = [
    0,
    x.offset,
    ...c.shape,
    ...c.strides[1],
    inner,
    m,
    index.offset,
    ist,
    xv.strides[dim],
    xv.shape[dim],
  ];
  launch(
    `indexSelect|${t}|${nd}`,
    source,
    [bufferOf(x), bufferOf(index), bufferOf(out), errBuffer()],
    meta,
    out.numel,
  );
  return [out];
};

const indexAdd: Kernel = ([x, index, source], a) => {
  const dim = a.dim as number;
  const out = castTo(x, x.dtype);
  const m = index.numel;
  if (m === 0 || out.numel === 0) return [out];
  const xv = nonEmpty(x);
  const sv = nonEmpty(source);
  const os = contiguousStrides(xv.shape);
  const without = <T>(arr: readonly T[]) => arr.filter((_, d) => d !== dim);
  const c = coalesce(without(xv.shape), [without(os), without(sv.strides)]);
  const nl = c.shape.length;
  const t = gpuType(x.dtype);
  const update = x.dtype === 'bool' ? 'out[p] | v' : 'out[p] + v';
  const ist = index.ndim === 0 ? 0 : index.strides[0];
  const at = 2 + 3 * nl;
  const src = () => `${decl(0, 'index', 'i32')}
${decl(1, 'src', t)}
${decl(2, 'out', t, true)}
${errDecl(3)}
${metaDecl(4)}
${main1d(`${stridedOffsets('i', nl, 2, [null, 1], [2 + nl, 2 + 2 * nl], ['oo', 'os'])}
  let m = prm[${at}];
  let ioff = prm[${at + 1}];
  let ist = prm[${at + 2}];
  let osd = prm[${at + 3}];
  let ssd = prm[${at + 4}];
  let size = prm[${at + 5}];
  for (var j = 0; j < m; j = j + 1) {
    let k = index[ioff + j * ist];
    if (k < 0 || k >= size) { ${reportBadIndex(ERR.indexAdd, 'k', 'size')} continue; }
    let p = oo + k * osd;
    let v = src[os + j * ssd];
    out[p] = ${update};
  }`)}`;
  const meta = [0, source.offset, ...c.shape, ...c.strides[0], ...c.strides[1]];
  meta.push(m, index.offset, ist, os[dim], sv.strides[dim], xv.shape[dim]);
  launch(
    `indexAdd|${x.dtype}|${nl}`,
    src,
    [bufferOf(index), bufferOf(source), bufferOf(out), errBuffer()],
    meta,
    shapeNumel(c.shape),
  );
  return [out];
};

const nonzero: Kernel = ([x]) => {
  throw new DeviceError(
    `nonzero: the output size depends on the data, which cannot be read back from the GPU synchronously; move the tensor to the CPU first (await x.toAsync('cpu')), shape ${JSON.stringify(x.shape)}`,
  );
};

/** WGSL `before(a, ja, b, jb)`: whether element (a, ja) sorts before (b, jb); NaN is the largest value. */
function beforeFn(isF: boolean, desc: boolean): string {
  return isF
    ? `fn before(a: f32, ja: i32, b: f32, jb: i32) -> bool {
  let an = k_isnan(a);
  let bn = k_isnan(b);
  if ((an && bn) || (!an && !bn && a == b)) { return ja < jb; }
  ${desc ? 'if (an != bn) { return an; } return a > b;' : 'if (an != bn) { return bn; } return a < b;'}
}`
    : `fn before(a: i32, ja: i32, b: i32, jb: i32) -> bool {
  if (a == b) { return ja < jb; }
  return a ${desc ? '>' : '<'} b;
}`;
}

/** Rows up to this long use the one-pass rank sort; longer ones a bitonic network. */
const RANK_SORT_MAX = 256;

const sort: Kernel = ([x], a) => {
  const dim = a.dim as number;
  const desc = a.descending === true;
  const values = newGpuTensor(x.shape, x.dtype);
  const indices = newGpuTensor(x.shape, 'int32');
  if (x.numel === 0) return [values, indices];
  const src = x.isContiguous() ? x : castTo(x, x.dtype);
  const xv = nonEmpty(src);
  const n = xv.shape[dim];
  const inner = shapeNumel(xv.shape.slice(dim + 1));
  if (n > RANK_SORT_MAX) bitonicSort(src, values, indices, n, inner, desc);
  else rankSort(src, values, indices, n, inner, desc);
  if (src !== x) src.dispose();
  return [values, indices];
};

/** One invocation per element counts the elements of its row that sort before it: O(n) each. */
function rankSort(
  src: Tensor,
  values: Tensor,
  indices: Tensor,
  n: number,
  inner: number,
  desc: boolean,
): void {
  const t = gpuType(src.dtype);
  const key = (v: string) => loadAs(src.dtype, v);
  const source = () => `${decl(0, 'x', t)}
${decl(1, 'vals', t, true)}
${decl(2, 'idx', 'i32', true)}
${metaDecl(3)}
${beforeFn(src.dtype === 'float32', desc)}
${main1d(`let n = prm[1];
  let inner = prm[2];
  let off = prm[3];
  let tt = i % inner;
  let j = (i / inner) % n;
  let base = off + (i / (inner * n)) * n * inner + tt;
  let raw = x[base + j * inner];
  let v = ${key('raw')};
  var rank = 0;
  for (var q = 0; q < n; q = q + 1) {
    let w = ${key('x[base + q * inner]')};
    if (before(w, q, v, j)) { rank = rank + 1; }
  }
  let p = base - off + rank * inner;
  vals[p] = raw;
  idx[p] = j;`)}`;
  const buffers = [bufferOf(src), bufferOf(values), bufferOf(indices)];
  launch(`sort|${src.dtype}|${desc}`, source, buffers, [0, n, inner, src.offset], src.numel);
}

/**
 * Bitonic sort of every row padded to a power of two `N`, in scratch buffers of (key, index)
 * pairs: log2(N)·(log2(N)+1)/2 compare-exchange passes. Ties are broken by the original index and
 * padding sorts last, so the result is the stable order, as the CPU's.
 */
function bitonicSort(
  src: Tensor,
  values: Tensor,
  indices: Tensor,
  n: number,
  inner: number,
  desc: boolean,
): void {
  const N = 2 ** Math.ceil(Math.log2(n));
  const rows = src.numel / n;
  const t = gpuType(src.dtype);
  const keys = newGpuTensor([rows * N], src.dtype);
  const pos = newGpuTensor([rows * N], 'int32');
  const key = (v: string) => loadAs(src.dtype, v);
  // meta: [count, n, inner, offset, N, k, j]; row r = o * inner + tt.
  const init = () => `${decl(0, 'x', t)}
${decl(1, 'kv', t, true)}
${decl(2, 'ki', 'i32', true)}
${metaDecl(3)}
${main1d(`let n = prm[1];
  let inner = prm[2];
  let N = prm[4];
  let j = i % N;
  let r = i / N;
  if (j < n) {
    kv[i] = x[prm[3] + ((r / inner) * n + j) * inner + r % inner];
  }
  ki[i] = j;`)}`;
  const step = () => `${decl(0, 'kv', t, true)}
${decl(1, 'ki', 'i32', true)}
${metaDecl(2)}
${beforeFn(src.dtype === 'float32', desc)}
fn first(a: i32, b: i32) -> bool {
  let n = prm[1];
  let ia = ki[a];
  let ib = ki[b];
  if (ia >= n || ib >= n) { return ia < ib; }
  return before(${key('kv[a]')}, ia, ${key('kv[b]')}, ib);
}
${main1d(`let N = prm[4];
  let k = prm[5];
  let jj = prm[6];
  let e = i % N;
  let l = e ^ jj;
  if (l > e) {
    let a = i;
    let b = i - e + l;
    let up = (e & k) == 0;
    if (up != first(a, b)) {
      let tk = kv[a]; kv[a] = kv[b]; kv[b] = tk;
      let ti = ki[a]; ki[a] = ki[b]; ki[b] = ti;
    }
  }`)}`;
  const finish = () => `${decl(0, 'kv', t)}
${decl(1, 'ki', 'i32')}
${decl(2, 'vals', t, true)}
${decl(3, 'idx', 'i32', true)}
${metaDecl(4)}
${main1d(`let n = prm[1];
  let inner = prm[2];
  let N = prm[4];
  let j = i % n;
  let r = i / n;
  let p = ((r / inner) * n + j) * inner + r % inner;
  vals[p] = kv[r * N + j];
  idx[p] = ki[r * N + j];`)}`;
  const meta = (k: number, j: number) => [0, n, inner, src.offset, N, k, j];
  const kb = [bufferOf(keys), bufferOf(pos)];
  launch(`sort-init|${src.dtype}`, init, [bufferOf(src), ...kb], meta(0, 0), rows * N);
  for (let k = 2; k <= N; k *= 2) {
    for (let j = k >> 1; j > 0; j >>= 1)
      launch(`sort-step|${src.dtype}|${desc}`, step, kb, meta(k, j), rows * N);
  }
  launch(
    `sort-finish|${src.dtype}`,
    finish,
    [...kb, bufferOf(values), bufferOf(indices)],
    meta(0, 0),
    rows * n,
  );
  keys.dispose();
  pos.dispose();
}

/** Indexing kernels of the WebGPU backend (see the file comment). */
export const indexingKernels: Record<string, Kernel> = {
  cat,
  gather,
  scatter: scatterKernel('scatter'),
  scatterAdd: scatterKernel('scatterAdd'),
  indexSelect,
  indexAdd,
  nonzero,
  sort,
};
