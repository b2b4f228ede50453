/**
 * Reduction and scan kernels of the CPU backend.
 *
 * Primitives (what autograd needs to write their derivatives):
 * - `sum`, `prod`, `amax`, `amin`: inputs `[x]`; attrs `{ dims: number[], keepdim: boolean, dtype: DType }`
 *   where `dims` are normalized (non-negative), sorted and unique (`[]` for a 0-d input: the op is
 *   then a copy) and `dtype` is the output dtype (x may be bool/int32 with an int32 `sum`/`prod`
 *   output, or any dtype with a float `sum` output; the value is converted as read). Output `[y]`:
 *   x's shape with the `dims` removed (or kept as size 1 when `keepdim`). An empty `sum` is 0 and
 *   an empty `prod` is 1; front-ends reject empty `amax`/`amin`. NaN propagates in amax/amin.
 *   Derivatives: sum → expand the gradient back (unsqueeze `dims` unless keepdim); amax/amin →
 *   PyTorch splits the gradient evenly among the elements equal to the result.
 * - `maxDim`, `minDim`: inputs `[x]`; attrs `{ dim: number, keepdim: boolean }` (`dim` normalized;
 *   ignored for a 0-d x). Outputs `[values (x.dtype), indices (int32)]`: the first maximum/minimum
 *   along `dim`, or the first NaN when there is one (as PyTorch). Only `values` is differentiable:
 *   its gradient goes to `indices` (scatter along `dim`).
 * - `argmax`, `argmin`: same inputs/attrs, output `[indices (int32)]`. Not differentiable.
 * - `cumsum`, `cumprod`: inputs `[x]`; attrs `{ dim: number, dtype: DType }` (`dim` normalized,
 *   ignored for 0-d; `dtype` the output dtype, int32 for bool/int32 inputs). Output `[y]`, x's shape.
 *
 * Float inputs accumulate in JS doubles; int32 outputs wrap like C (`| 0`, `Math.imul`). Each op
 * is compiled once into a specialised loop (no per-element closures). Reduced dims are iterated
 * innermost; when the kept dims are the contiguous ones (column sums) the kernel instead walks the
 * input row by row, accumulating a whole row of outputs at a time, so memory is read sequentially.
 */
import type { Kernel } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { coalesce } from './codegen.js';
import { cpuData, newCpuTensor } from './memory.js';

/** How one reduction folds a value `v` into an accumulator (`A` is replaced by its name). */
interface Fold {
  init: string;
  update: string;
}

const FOLDS: Record<string, { f: Fold; i?: Fold }> = {
  sum: { f: { init: '0', update: 'A += v;' }, i: { init: '0', update: 'A = (A + v) | 0;' } },
  prod: { f: { init: '1', update: 'A *= v;' }, i: { init: '1', update: 'A = Math.imul(A, v);' } },
  amax: { f: { init: '-Infinity', update: 'if (v > A || v !== v) A = v;' } },
  amin: { f: { init: 'Infinity', update: 'if (v < A || v !== v) A = v;' } },
};

type ReduceFn = (
  out: TypedArray,
  x: TypedArray,
  off: number,
  oShape: number[],
  oStrides: number[],
  rShape: number[],
  rStrides: number[],
) => void;

type ArgFn = (
  vals: TypedArray,
  idx: Int32Array,
  x: TypedArray,
  off: number,
  oShape: number[],
  oStrides: number[],
  n: number,
  rs: number,
) => void;

type ScanFn = (
  out: TypedArray,
  x: TypedArray,
  off: number,
  kShape: number[],
  kxStrides: number[],
  koStrides: number[],
  n: number,
  xs: number,
  os: number,
) => void;

const cache = new Map<string, unknown>();

function compiled<T>(key: string, src: () => string): T {
  let fn = cache.get(key);
  if (!fn) {
    fn = new Function(src())();
    cache.set(key, fn);
  }
  return fn as T;
}

/** Advances a multi-index `I` over dims `from..0` of `S`, moving the base `B` by strides `T`. */
const advance = (I: string, S: string, T: string, B: string, from: string) => `
    for (let d = ${from}; d >= 0; d--) {
      ${I}[d]++; ${B} += ${T}[d];
      if (${I}[d] < ${S}[d]) break;
      ${B} -= ${T}[d] * ${S}[d]; ${I}[d] = 0;
    }`;

function reduceSource(f: Fold, unroll: boolean): string {
  const up = (a: string) => f.update.replaceAll('A', a);
  // Four independent accumulators break the add dependency chain of a unit-stride sum.
  const unitLoop = unroll
    ? `let a1 = ${f.init}, a2 = ${f.init}, a3 = ${f.init}; let j = 0;
          for (; j + 3 < rInner; j += 4) {
            let v = x[rb + j]; ${up('acc')} v = x[rb + j + 1]; ${up('a1')}
            v = x[rb + j + 2]; ${up('a2')} v = x[rb + j + 3]; ${up('a3')}
          }
          for (; j < rInner; j++) { const v = x[rb + j]; ${up('acc')} }
          acc += a1 + a2 + a3;`
    : `for (let j = 0; j < rInner; j++) { const v = x[rb + j]; ${up('acc')} }`;
  return `
return function reduce(out, x, off, oShape, oStrides, rShape, rStrides) {
  const on = oShape.length, rn = rShape.length;
  let total = 1;
  for (let d = 0; d < on; d++) total *= oShape[d];
  if (total === 0) return;
  let rTotal = 1;
  for (let d = 0; d < rn; d++) rTotal *= rShape[d];
  if (rTotal === 0) { out.fill(${f.init}); return; }
  const rInner = rn > 0 ? rShape[rn - 1] : 1;
  const rs = rn > 0 ? rStrides[rn - 1] : 0;
  const rOuter = rTotal / rInner;
  const ridx = new Int32Array(rn);
  const oidx = new Int32Array(on);
  if (rn > 0 && on > 0 && oStrides[on - 1] === 1 && oShape[on - 1] > 1 && rs !== 1) {
    // Row mode: the kept innermost dim is contiguous; fold whole rows into an accumulator row.
    const K = oShape[on - 1];
    const acc = new Float64Array(K);
    let pb = off;
    for (let o = 0; o < total; o += K) {
      acc.fill(${f.init});
      let rb = pb;
      for (let r = 0; r < rOuter; r++) {
        let b = rb;
        for (let i = 0; i < rInner; i++) {
          for (let j = 0; j < K; j++) { const v = x[b + j]; ${up('acc[j]')} }
          b += rs;
        }
        ${advance('ridx', 'rShape', 'rStrides', 'rb', 'rn - 2')}
      }
      for (let j = 0; j < K; j++) out[o + j] = acc[j];
      ${advance('oidx', 'oShape', 'oStrides', 'pb', 'on - 2')}
    }
    return;
  }
  let ob = off;
  for (let o = 0; o < total; o++) {
    let acc = ${f.init};
    let rb = ob;
    for (let r = 0; r < rOuter; r++) {
      if (rs === 1) {
        ${unitLoop}
      } else {
        for (let j = 0; j < rInner; j++) { const v = x[rb + j * rs]; ${up('acc')} }
      }
      ${advance('ridx', 'rShape', 'rStrides', 'rb', 'rn - 2')}
    }
    out[o] = acc;
    ${advance('oidx', 'oShape', 'oStrides', 'ob', 'on - 1')}
  }
};`;
}

function argSource(cmp: '>' | '<'): string {
  // Strict comparison keeps the first extremum; the first NaN wins and then sticks.
  const better = (v: string, cur: string) => `(${v} ${cmp} ${cur} || (${v} !== ${v} && ${cur} === ${cur}))`;
  return `
return function argReduce(vals, idx, x, off, oShape, oStrides, n, rs) {
  const on = oShape.length;
  let total = 1;
  for (let d = 0; d < on; d++) total *= oShape[d];
  if (total === 0) return;
  const oidx = new Int32Array(on);
  if (on > 0 && oStrides[on - 1] === 1 && oShape[on - 1] > 1 && rs !== 1) {
    const K = oShape[on - 1];
    const best = new Float64Array(K);
    const bi = new Int32Array(K);
    let pb = off;
    for (let o = 0; o < total; o += K) {
      for (let j = 0; j < K; j++) best[j] = x[pb + j];
      bi.fill(0);
      let b = pb + rs;
      for (let i = 1; i < n; i++) {
        for (let j = 0; j < K; j++) {
          const v = x[b + j];
          if (${better('v', 'best[j]')}) { best[j] = v; bi[j] = i; }
        }
        b += rs;
      }
      for (let j = 0; j < K; j++) { vals[o + j] = best[j]; idx[o + j] = bi[j]; }
      ${advance('oidx', 'oShape', 'oStrides', 'pb', 'on - 2')}
    }
    return;
  }
  let ob = off;
  for (let o = 0; o < total; o++) {
    let best = x[ob], bi = 0;
    for (let i = 1; i < n; i++) {
      const v = x[ob + i * rs];
      if (${better('v', 'best')}) { best = v; bi = i; }
    }
    vals[o] = best; idx[o] = bi;
    ${advance('oidx', 'oShape', 'oStrides', 'ob', 'on - 1')}
  }
};`;
}

/** Advances `I` over dims `from..0` of `S`, moving base `B` by strides `T` and base `C` by `U`. */
const advance2 = (I: string, S: string, T: string, B: string, U: string, C: string, from: string) => `
    for (let d = ${from}; d >= 0; d--) {
      ${I}[d]++; ${B} += ${T}[d]; ${C} += ${U}[d];
      if (${I}[d] < ${S}[d]) break;
      ${B} -= ${T}[d] * ${S}[d]; ${C} -= ${U}[d] * ${S}[d]; ${I}[d] = 0;
    }`;

function scanSource(f: Fold): string {
  const up = (a: string) => f.update.replaceAll('A', a);
  return `
return function scan(out, x, off, kShape, kx, ko, n, xs, os) {
  const kn = kShape.length;
  let total = 1;
  for (let d = 0; d < kn; d++) total *= kShape[d];
  if (total === 0 || n === 0) return;
  const kidx = new Int32Array(kn);
  let xb = off, ob = 0;
  if (kn > 0 && kx[kn - 1] === 1 && ko[kn - 1] === 1 && kShape[kn - 1] > 1 && n > 1) {
    // Row mode: scan whole contiguous rows at once (e.g. cumsum over dim 0).
    const K = kShape[kn - 1];
    const acc = new Float64Array(K);
    for (let o = 0; o < total; o += K) {
      acc.fill(${f.init});
      for (let i = 0; i < n; i++) {
        const b = xb + i * xs, c = ob + i * os;
        for (let j = 0; j < K; j++) { const v = x[b + j]; ${up('acc[j]')} out[c + j] = acc[j]; }
      }
      ${advance2('kidx', 'kShape', 'kx', 'xb', 'ko', 'ob', 'kn - 2')}
    }
    return;
  }
  for (let o = 0; o < total; o++) {
    let acc = ${f.init};
    for (let i = 0; i < n; i++) { const v = x[xb + i * xs]; ${up('acc')} out[ob + i * os] = acc; }
    ${advance2('kidx', 'kShape', 'kx', 'xb', 'ko', 'ob', 'kn - 1')}
  }
};`;
}

const isInt = (dtype: DType) => dtype === 'int32';

function fold(op: string, dtype: DType): { fold: Fold; key: string } {
  const spec = FOLDS[op];
  const useInt = isInt(dtype) && spec.i !== undefined;
  return { fold: useInt ? spec.i! : spec.f, key: `${op}|${useInt ? 'i' : 'f'}` };
}

/** Output shape of reducing `dims` of `shape`. */
function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (!dims.includes(d)) out.push(shape[d]);
    else if (keepdim) out.push(1);
  }
  return out;
}

function reduceKernel(op: string): Kernel {
  return ([x], attrs) => {
    const dims = attrs.dims as number[];
    const keepdim = attrs.keepdim === true;
    const dtype = attrs.dtype as DType;
    const { tensor, data } = newCpuTensor(reducedShape(x.shape, dims, keepdim), dtype);
    const kShape: number[] = [];
    const kStrides: number[] = [];
    const red: [number, number][] = [];
    for (let d = 0; d < x.ndim; d++) {
      if (dims.includes(d)) red.push([x.shape[d], x.strides[d]]);
      else {
        kShape.push(x.shape[d]);
        kStrides.push(x.strides[d]);
      }
    }
    // Largest stride outermost, so the innermost reduced loop walks memory as closely as possible.
    red.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    const k = coalesce(kShape, [kStrides]);
    const r = coalesce(
      red.map((e) => e[0]),
      [red.map((e) => e[1])],
    );
    const { fold: f, key } = fold(op, dtype);
    const unroll = op === 'sum' && !isInt(dtype);
    const fn = compiled<ReduceFn>(`reduce|${key}|${unroll}`, () => reduceSource(f, unroll));
    fn(data, cpuData(x), x.offset, k.shape, k.strides[0], r.shape, r.strides[0]);
    return [tensor];
  };
}

function argKernel(cmp: '>' | '<', withValues: boolean): Kernel {
  return ([x], attrs) => {
    const keepdim = attrs.keepdim === true;
    const dim = x.ndim === 0 ? -1 : (attrs.dim as number);
    const shape = reducedShape(x.shape, dim < 0 ? [] : [dim], keepdim);
    const values = newCpuTensor(shape, x.dtype);
    const indices = newCpuTensor(shape, 'int32');
    const kShape = x.shape.filter((_, d) => d !== dim);
    const kStrides = x.strides.filter((_, d) => d !== dim);
    const k = coalesce(kShape, [kStrides]);
    const fn = compiled<ArgFn>(`arg|${cmp}`, () => argSource(cmp));
    const n = dim < 0 ? 1 : x.shape[dim];
    const rs = dim < 0 ? 0 : x.strides[dim];
    fn(values.data, indices.data as Int32Array, cpuData(x), x.offset, k.shape, k.strides[0], n, rs);
    return withValues ? [values.tensor, indices.tensor] : [indices.tensor];
  };
}

function scanKernel(op: string): Kernel {
  return ([x], attrs) => {
    const dtype = attrs.dtype as DType;
    const dim = x.ndim === 0 ? -1 : (attrs.dim as number);
    const { tensor, data } = newCpuTensor(x.shape, dtype);
    const outStrides = tensor.strides;
    const keep = (_: number, d: number) => d !== dim;
    const k = coalesce(x.shape.filter(keep), [x.strides.filter(keep), outStrides.filter(keep)]);
    const n = dim < 0 ? 1 : x.shape[dim];
    const xs = dim < 0 ? 0 : x.strides[dim];
    const os = dim < 0 ? 0 : outStrides[dim];
    const { fold: f, key } = fold(op === 'cumsum' ? 'sum' : 'prod', dtype);
    const fn = compiled<ScanFn>(`scan|${key}`, () => scanSource(f));
    fn(data, cpuData(x), x.offset, k.shape, k.strides[0], k.strides[1], n, xs, os);
    return [tensor];
  };
}

/** Reduction and scan kernels of the CPU backend (see the file comment for each primitive). */
export const reduceKernels: Record<string, Kernel> = {
  sum: reduceKernel('sum'),
  prod: reduceKernel('prod'),
  amax: reduceKernel('amax'),
  amin: reduceKernel('amin'),
  maxDim: argKernel('>', true),
  minDim: argKernel('<', true),
  argmax: argKernel('>', false),
  argmin: argKernel('<', false),
  cumsum: scanKernel('cumsum'),
  cumprod: scanKernel('cumprod'),
};
