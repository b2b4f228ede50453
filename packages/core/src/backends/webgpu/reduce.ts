/**
 * Reduction and scan kernels of the WebGPU backend (primitive contracts: backends/cpu/reduce.ts).
 *
 * - `sum`/`prod`/`amax`/`amin`: kept and reduced dims are coalesced separately. Short reductions,
 *   and any with many outputs, run one invocation per output; long ones (>= `LONG` elements) with
 *   fewer outputs one `RWG`-invocation workgroup per output, each invocation folding a strided
 *   share and a shared-memory tree combining them. Barrier-heavy workgroups are expensive on
 *   software adapters (SwiftShader switches coroutines at each barrier: a 256-wide tree cost ~1 ms
 *   per workgroup, so the bias gradient of a 128-row batch took 300 ms), hence the small workgroup
 *   and the preference for one invocation per output.
 *   float32 sums use Neumaier-compensated accumulation, so they track the CPU's float64 sums.
 * - `maxDim`/`minDim`/`argmax`/`argmin`: the same two strategies with (value, index) pairs; ties go
 *   to the lower index and NaN wins, so the result is the CPU's (first extremum, first NaN).
 * - `cumsum`/`cumprod`: one invocation per row, sequential along the dim (compensated for sums).
 */
import type { Kernel } from '../../backend.js';
import type { DType } from '../../dtype.js';
import { Tensor } from '../../tensor.js';
import { coalesce } from '../cpu/codegen.js';
import { bufferOf, gpuType, newGpuTensor, rt } from './memory.js';
import {
  computeType,
  decl,
  launch,
  launchGrid,
  loadAs,
  main1d,
  metaDecl,
  storeAs,
  stridedOffsets,
} from './shader.js';

type T = 'f32' | 'i32';

interface Fold {
  init: Record<T, string>;
  /** Folds value `v` into accumulator `acc` (also used to combine two partial results). */
  combine: Record<T, string>;
}

const I32_MIN = 'i32(-2147483647 - 1)';
const FOLDS: Record<string, Fold> = {
  sum: { init: { f32: '0.0', i32: '0' }, combine: { f32: 'acc + v', i32: 'acc + v' } },
  prod: { init: { f32: '1.0', i32: '1' }, combine: { f32: 'acc * v', i32: 'acc * v' } },
  amax: {
    init: { f32: '-k_inf()', i32: I32_MIN },
    combine: { f32: 'select(acc, v, v > acc || k_isnan(v))', i32: 'max(acc, v)' },
  },
  amin: {
    init: { f32: 'k_inf()', i32: '2147483647' },
    combine: { f32: 'select(acc, v, v < acc || k_isnan(v))', i32: 'min(acc, v)' },
  },
};

/** Output shape of reducing `dims` of `shape`. */
function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!dims.includes(d)) out.push(shape[d]);
    else if (keepdim) out.push(1);
  }
  return out;
}

/** WGSL loading element `x[at]` converted to the accumulator type. */
function loadValue(x: DType, acc: T, at: string): string {
  const v = loadAs(x, `x[${at}]`);
  return computeType(x) === acc ? v : `${acc}(${v})`;
}

/** WGSL: `ro` = offset of reduction element `r` over the reduced dims (meta at `shapeAt`/`strideAt`). */
function reduceOffset(nr: number, shapeAt: number, strideAt: number): string {
  return stridedOffsets('r', nr, shapeAt, [null], [strideAt], ['ro']);
}

/** Reductions shorter than this run one invocation per output. */
const LONG = 1024;
/** With at least this many outputs every reduction runs one invocation per output. */
const MANY = 4096;
/** Invocations of the workgroup that reduces one long reduction. */
const RWG = 64;
/** Whether a reduction of `total` elements into `n` outputs runs one invocation per output. */
const perOutput = (total: number, n: number) => total < LONG || n >= MANY;
/** Reductions at least this long with few outputs run in two passes (see reduceKernel). */
const SPLIT = 65536;

function reduceKernel(op: string): Kernel {
  const fold = FOLDS[op];
  return ([x], attrs) => {
    const dims = attrs.dims as number[];
    const dtype = attrs.dtype as DType;
    const out = newGpuTensor(reducedShape(x.shape, dims, attrs.keepdim === true), dtype);
    const n = out.numel;
    if (n === 0) return [out];
    const kShape: number[] = [];
    const kStrides: number[] = [];
    const rShape: number[] = [];
    const rStrides: number[] = [];
    for (let d = 0; d < x.ndim; d++) {
      if (dims.includes(d)) {
        rShape.push(x.shape[d]);
        rStrides.push(x.strides[d]);
      } else {
        kShape.push(x.shape[d]);
        kStrides.push(x.strides[d]);
      }
    }
    const k = coalesce(kShape, [kStrides]);
    const r = coalesce(rShape, [rStrides]);
    const nk = k.shape.length;
    const nr = r.shape.length;
    const total = rShape.reduce((a, b) => a * b, 1);
    const acc = computeType(dtype);
    const compensated = op === 'sum' && acc === 'f32';
    // meta: [n, xoff, kshape, kstrides, rshape, rstrides, total]
    const kShapeAt = 2;
    const kStrideAt = 2 + nk;
    const rShapeAt = 2 + 2 * nk;
    const rStrideAt = 2 + 2 * nk + nr;
    const totalAt = 2 + 2 * nk + 2 * nr;
    const meta = [0, x.offset, ...k.shape, ...k.strides[0], ...r.shape, ...r.strides[0], total];
    const combine = fold.combine[acc];
    const addV = compensated
      ? `{ let t = acc + v; if (abs(acc) >= abs(v)) { comp = comp + ((acc - t) + v); } else { comp = comp + ((v - t) + acc); } acc = t; }`
      : `acc = ${combine};`;
    const finish = compensated ? 'select(acc + comp, acc, !k_isfinite(acc))' : 'acc';
    const head = `${decl(0, 'x', gpuType(x.dtype))}
${decl(1, 'out', gpuType(dtype), true)}
${metaDecl(2)}`;
    const init = `var acc: ${acc} = ${fold.init[acc]};${compensated ? ' var comp = 0.0;' : ''}`;
    const buffers = [bufferOf(x), bufferOf(out)];
    if (perOutput(total, n)) {
      const key = `red|${op}|${x.dtype}|${dtype}|${nk}|${nr}|s`;
      const source = () => `${head}
${main1d(`${stridedOffsets('i', nk, kShapeAt, [1], [kStrideAt], ['ob'])}
  ${init}
  let total = prm[${totalAt}];
  for (var r = 0; r < total; r = r + 1) {
    ${reduceOffset(nr, rShapeAt, rStrideAt)}
    let v = ${loadValue(x.dtype, acc, 'ob + ro')};
    ${addV}
  }
  out[i] = ${storeAs(dtype, acc, finish)};`)}`;
      launch(key, source, buffers, meta, n);
      return [out];
    }
    // Few outputs over a long reduction: split each into `parts` chunks (one workgroup each),
    // then reduce the partial results in a second pass.
    const parts = total >= SPLIT && n <= 64 ? Math.min(256, Math.ceil(total / (SPLIT / 4))) : 1;
    const chunk = Math.ceil(total / parts);
    const partial = parts > 1 ? newGpuTensor([n * parts], acc === 'f32' ? 'float32' : 'int32') : out;
    const key = `red|${op}|${x.dtype}|${partial.dtype}|${nk}|${nr}|wg`;
    const source = () => `${decl(0, 'x', gpuType(x.dtype))}
${decl(1, 'out', gpuType(partial.dtype), true)}
${metaDecl(2)}
var<workgroup> part: array<${acc}, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = i32(wid.x + wid.y * nwg.x);
  let live = g < prm[0];
  let parts = prm[${totalAt + 1}];
  let chunk = prm[${totalAt + 2}];
  let iw = select(0, g / parts, live);
  ${stridedOffsets('iw', nk, kShapeAt, [1], [kStrideAt], ['ob'])}
  ${init}
  let r0 = (g % parts) * chunk;
  let r1 = select(0, min(prm[${totalAt}], r0 + chunk), live);
  for (var r = r0 + i32(lid); r < r1; r = r + ${RWG}) {
    ${reduceOffset(nr, rShapeAt, rStrideAt)}
    let v = ${loadValue(x.dtype, acc, 'ob + ro')};
    ${addV}
  }
  part[lid] = ${finish};
  workgroupBarrier();
  for (var s = ${RWG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { let v = part[lid + s]; let acc = part[lid]; part[lid] = ${combine}; }
    workgroupBarrier();
  }
  if (live && lid == 0u) { let acc = part[0]; out[g] = ${storeAs(partial.dtype, acc, 'acc')}; }
}`;
    meta[0] = n * parts;
    meta.push(parts, chunk);
    launchGrid(key, source, [bufferOf(x), bufferOf(partial)], meta, rt().grid(n * parts));
    if (parts === 1) return [out];
    out.dispose();
    const [second] = reduceKernels[op]([new Tensor(partial.storage, [n, parts])], {
      dims: [1],
      keepdim: false,
      dtype,
    });
    partial.dispose();
    return [new Tensor(second.storage, reducedShape(x.shape, dims, attrs.keepdim === true))];
  };
}

/** WGSL: whether (v, vi) beats (b, bi) for `cmp` ('>' max, '<' min); NaN wins, ties go to the lower index. */
function better(cmp: '>' | '<', t: T): string {
  if (t === 'i32')
    return `fn better(v: i32, vi: i32, b: i32, bi: i32) -> bool { if (v == b) { return vi < bi; } return v ${cmp} b; }`;
  return `fn better(v: f32, vi: i32, b: f32, bi: i32) -> bool {
  let vn = k_isnan(v);
  let bn = k_isnan(b);
  if (vn != bn) { return vn; }
  if (vn || v == b) { return vi < bi; }
  return v ${cmp} b;
}`;
}

function argKernel(cmp: '>' | '<', withValues: boolean): Kernel {
  return ([x], attrs) => {
    const keepdim = attrs.keepdim === true;
    const dim = x.ndim === 0 ? -1 : (attrs.dim as number);
    const shape = reducedShape(x.shape, dim < 0 ? [] : [dim], keepdim);
    const values = withValues ? newGpuTensor(shape, x.dtype) : null;
    const indices = newGpuTensor(shape, 'int32');
    const n = indices.numel;
    if (n === 0) return values ? [values, indices] : [indices];
    const k = coalesce(
      x.shape.filter((_, d) => d !== dim),
      [x.strides.filter((_, d) => d !== dim)],
    );
    const nk = k.shape.length;
    const len = dim < 0 ? 1 : x.shape[dim];
    const rs = dim < 0 ? 0 : x.strides[dim];
    const t = computeType(x.dtype);
    const meta = [0, x.offset, ...k.shape, ...k.strides[0], len, rs];
    const lenAt = 2 + 2 * nk;
    const head = `${decl(0, 'x', gpuType(x.dtype))}
${decl(1, 'idx', 'i32', true)}
${values ? decl(2, 'vals', gpuType(x.dtype), true) : ''}
${metaDecl(values ? 3 : 2)}
${better(cmp, t)}`;
    const buffers = [bufferOf(x), bufferOf(indices), ...(values ? [bufferOf(values)] : [])];
    const store = (i: string, v: string, bi: string) =>
      `idx[${i}] = ${bi};${values ? ` vals[${i}] = ${storeAs(x.dtype, t, v)};` : ''}`;
    const tag = `${cmp}|${withValues}|${x.dtype}|${nk}`;
    if (perOutput(len, n)) {
      const source = () => `${head}
${main1d(`${stridedOffsets('i', nk, 2, [1], [2 + nk], ['ob'])}
  let len = prm[${lenAt}];
  let rs = prm[${lenAt + 1}];
  var b = ${loadAs(x.dtype, 'x[ob]')};
  var bi = 0;
  for (var j = 1; j < len; j = j + 1) {
    let v = ${loadAs(x.dtype, 'x[ob + j * rs]')};
    if (better(v, j, b, bi)) { b = v; bi = j; }
  }
  ${store('i', 'b', 'bi')}`)}`;
      launch(`arg|${tag}|s`, source, buffers, meta, n);
    } else {
      const source = () => `${head}
var<workgroup> pv: array<${t}, ${RWG}>;
var<workgroup> pi: array<i32, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = i32(wid.x + wid.y * nwg.x);
  let live = i < prm[0];
  let iw = select(0, i, live);
  ${stridedOffsets('iw', nk, 2, [1], [2 + nk], ['ob'])}
  let len = select(1, prm[${lenAt}], live);
  let rs = prm[${lenAt + 1}];
  let j0 = min(i32(lid), len - 1);
  var b = ${loadAs(x.dtype, 'x[ob + j0 * rs]')};
  var bi = j0;
  for (var j = j0 + ${RWG}; j < len; j = j + ${RWG}) {
    let v = ${loadAs(x.dtype, 'x[ob + j * rs]')};
    if (better(v, j, b, bi)) { b = v; bi = j; }
  }
  pv[lid] = b;
  pi[lid] = bi;
  workgroupBarrier();
  for (var s = ${RWG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s && better(pv[lid + s], pi[lid + s], pv[lid], pi[lid])) { pv[lid] = pv[lid + s]; pi[lid] = pi[lid + s]; }
    workgroupBarrier();
  }
  if (live && lid == 0u) { let b0 = pv[0]; ${store('i', 'b0', 'pi[0]')} }
}`;
      meta[0] = n;
      launchGrid(`arg|${tag}|wg`, source, buffers, meta, rt().grid(n));
    }
    return values ? [values, indices] : [indices];
  };
}

function scanKernel(op: 'sum' | 'prod'): Kernel {
  return ([x], attrs) => {
    const dtype = attrs.dtype as DType;
    const dim = x.ndim === 0 ? -1 : (attrs.dim as number);
    const out = newGpuTensor(x.shape, dtype);
    if (out.numel === 0) return [out];
    const keep = (_: number, d: number) => d !== dim;
    const k = coalesce(x.shape.filter(keep), [x.strides.filter(keep), out.strides.filter(keep)]);
    const nk = k.shape.length;
    const len = dim < 0 ? 1 : x.shape[dim];
    const xs = dim < 0 ? 0 : x.strides[dim];
    const os = dim < 0 ? 0 : out.strides[dim];
    const acc = computeType(dtype);
    const compensated = op === 'sum' && acc === 'f32';
    const fold = FOLDS[op];
    const at = 2 + 3 * nk;
    const meta = [0, x.offset, ...k.shape, ...k.strides[0], ...k.strides[1], len, xs, os];
    const step = compensated
      ? `{ let t = acc + v; if (abs(acc) >= abs(v)) { comp = comp + ((acc - t) + v); } else { comp = comp + ((v - t) + acc); } acc = t; }
    out[oo + j * os] = ${storeAs(dtype, acc, 'select(acc + comp, acc, !k_isfinite(acc))')};`
      : `acc = ${fold.combine[acc]};
    out[oo + j * os] = ${storeAs(dtype, acc, 'acc')};`;
    const source = () => `${decl(0, 'x', gpuType(x.dtype))}
${decl(1, 'out', gpuType(dtype), true)}
${metaDecl(2)}
${main1d(`${stridedOffsets('i', nk, 2, [1, null], [2 + nk, 2 + 2 * nk], ['ob', 'oo'])}
  let len = prm[${at}];
  let xs = prm[${at + 1}];
  let os = prm[${at + 2}];
  var acc: ${acc} = ${fold.init[acc]};
  var comp = 0.0;
  for (var j = 0; j < len; j = j + 1) {
    let v = ${loadValue(x.dtype, acc, 'ob + j * xs')};
    ${step}
  }`)}`;
    const rows = k.shape.reduce((a, b) => a * b, 1);
    launch(`scan|${op}|${x.dtype}|${dtype}|${nk}`, source, [bufferOf(x), bufferOf(out)], meta, rows);
    return [out];
  };
}

/** Reduction and scan kernels of the WebGPU backend. */
export const reduceKernels: Record<string, Kernel> = {
  sum: reduceKernel('sum'),
  prod: reduceKernel('prod'),
  amax: reduceKernel('amax'),
  amin: reduceKernel('amin'),
  maxDim: argKernel('>', true),
  minDim: argKernel('<', true),
  argmax: argKernel('>', false),
  argmin: argKernel('<', false),
  cumsum: scanKernel('sum'),
  cumprod: scanKernel('prod'),
};
