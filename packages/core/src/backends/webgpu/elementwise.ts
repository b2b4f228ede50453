/**
 * Elementwise kernels of the WebGPU backend, generated from a per-op WGSL expression table (the GPU
 * twin of backends/cpu/elementwise.ts). Operands are strided views (broadcast operands carry stride
 * 0); the dims are coalesced first, and the shader decomposes the flat output index with the
 * shape/strides from its meta block. One pipeline per (op, input dtypes, output dtype, rank,
 * parameter count). Expressions see the operands as `a`, `b`, `c` (f32, or i32 for int32/bool) and
 * the op's scalar parameters as `p0`, `p1`, ... (f32).
 */
import type { Kernel } from '../../backend.js';
import type { DType } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { coalesce } from '../cpu/codegen.js';
import { bufferOf, gpuType, newGpuTensor } from './memory.js';
import {
  computeType,
  decl,
  f32word,
  launch,
  loadAs,
  main1d,
  metaDecl,
  storeAs,
  stridedOffsets,
} from './shader.js';

/** A WGSL expression per op: `f` for f32 operands, `i` where i32 needs its own; `bool` when it yields a WGSL bool. */
interface Expr {
  f: string;
  i?: string;
  bool?: boolean;
}

const UNARY: Record<string, Expr> = {
  neg: { f: '-a', i: '-a' },
  abs: { f: 'abs(a)', i: 'abs(a)' },
  sign: { f: 'k_sign(a)', i: 'sign(a)' },
  sqrt: { f: 'k_sqrt(a)' },
  rsqrt: { f: '1.0 / k_sqrt(a)' },
  square: { f: 'a * a', i: 'a * a' },
  exp: { f: 'k_exp(a)' },
  expm1: { f: 'k_expm1(a)' },
  log: { f: 'k_log(a)' },
  log1p: { f: 'k_log1p(a)' },
  log2: { f: 'k_log2(a)' },
  log10: { f: 'k_log10(a)' },
  sin: { f: 'k_sin(a)' },
  cos: { f: 'k_cos(a)' },
  tan: { f: 'k_tan(a)' },
  asin: { f: 'k_asin(a)' },
  acos: { f: 'k_acos(a)' },
  atan: { f: 'k_atan(a)' },
  sinh: { f: 'k_sinh(a)' },
  cosh: { f: 'k_cosh(a)' },
  tanh: { f: 'k_tanh(a)' },
  sigmoid: { f: 'k_sigmoid(a)' },
  relu: { f: 'select(select(0.0, a, k_isnan(a)), a, a > 0.0)', i: 'max(a, 0)' },
  gelu: { f: 'k_gelu(a)' },
  geluTanh: { f: 'k_gelu_tanh(a)' },
  silu: { f: 'a * k_sigmoid(a)' },
  softplus: { f: 'k_softplus(a, p0, p1)' },
  elu: { f: 'select(p0 * k_expm1(a), a, a > 0.0)' },
  leakyRelu: { f: 'select(a * p0, a, a > 0.0)' },
  erf: { f: 'k_erf(a)' },
  floor: { f: 'floor(a)', i: 'a' },
  ceil: { f: 'ceil(a)', i: 'a' },
  round: { f: 'round(a)', i: 'a' },
  trunc: { f: 'trunc(a)', i: 'a' },
  reciprocal: { f: '1.0 / a' },
  isnan: { f: 'k_isnan(a)', i: 'false', bool: true },
  isinf: { f: 'k_isinf(a)', i: 'false', bool: true },
  isfinite: { f: 'k_isfinite(a)', i: 'true', bool: true },
  logicalNot: { f: '!k_nz(a)', i: 'a == 0', bool: true },
  nanToNum: { f: 'k_nantonum(a, p0, p1, p2)', i: 'a' },
};

const BINARY: Record<string, Expr> = {
  add: { f: 'a + b', i: 'a + b' },
  sub: { f: 'a - b', i: 'a - b' },
  mul: { f: 'a * b', i: 'a * b' },
  div: { f: 'a / b' },
  pow: { f: 'k_pow(a, b)', i: 'k_ipow(a, b)' },
  maximum: { f: 'k_maximum(a, b)', i: 'max(a, b)' },
  minimum: { f: 'k_minimum(a, b)', i: 'min(a, b)' },
  remainder: { f: 'k_remainder(a, b)', i: 'k_iremainder(a, b)' },
  fmod: { f: 'k_fmod(a, b)', i: 'select(a % b, 0, b == 0)' },
  floorDivide: { f: 'k_floordiv(a, b)', i: 'k_ifloordiv(a, b)' },
  atan2: { f: 'k_atan2(a, b)' },
  eq: { f: 'a == b', i: 'a == b', bool: true },
  ne: { f: '!(a == b)', i: 'a != b', bool: true },
  lt: { f: 'a < b', i: 'a < b', bool: true },
  le: { f: 'a <= b', i: 'a <= b', bool: true },
  gt: { f: 'a > b', i: 'a > b', bool: true },
  ge: { f: 'a >= b', i: 'a >= b', bool: true },
  logicalAnd: { f: 'k_nz(a) && k_nz(b)', i: '(a != 0) && (b != 0)', bool: true },
  logicalOr: { f: 'k_nz(a) || k_nz(b)', i: '(a != 0) || (b != 0)', bool: true },
  logicalXor: { f: 'k_nz(a) != k_nz(b)', i: '(a != 0) != (b != 0)', bool: true },
};

const TERNARY: Record<string, Expr> = {
  where: { f: 'select(c, b, a != 0)', i: 'select(c, b, a != 0)' },
};

/** Integer helpers used only by the elementwise table (JS `| 0` semantics of the CPU kernels). */
const INT_HELPERS = `
fn k_iremainder(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
fn k_ifloordiv(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var q = a / b;
  if ((a % b) != 0 && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}`;

const NAMES = ['a', 'b', 'c', 'd'];

/** Records `expr` over `inputs` (all of `shape`, maybe broadcast) into a new contiguous tensor. */
function runElementwise(op: string, e: Expr, inputs: Tensor[], outDtype: DType, params: number[]): Tensor {
  const shape = inputs[0].shape;
  const out = newGpuTensor(shape, outDtype);
  if (out.numel === 0) return out;
  const outStrides = out.strides;
  const c = coalesce(shape, [outStrides, ...inputs.map((t) => t.strides)]);
  const nd = c.shape.length;
  const k = inputs.length;
  const ct = computeType(inputs[k - 1].dtype);
  const useF = ct === 'f32' || e.i === undefined;
  const expr = useF ? e.f : (e.i as string);
  const kind: 'f32' | 'i32' | 'bool' = e.bool ? 'bool' : useF ? 'f32' : 'i32';
  const dtypes = inputs.map((t) => t.dtype);
  const key = `ew|${op}|${dtypes.join(',')}|${outDtype}|${nd}|${params.length}`;
  const shapeAt = 1 + k;
  const strideAt = inputs.map((_, j) => 1 + k + nd * (1 + j));
  const paramAt = 1 + k + nd * (1 + k);
  const source = () => {
    const loads = inputs.map((t, j) => {
      const v = loadAs(t.dtype, `x${j}[o${j}]`);
      // The where-condition stays i32; other operands convert to the compute type.
      const conv = useF && computeType(t.dtype) === 'i32' && !(op === 'where' && j === 0) ? `f32(${v})` : v;
      return `let ${NAMES[j]} = ${conv};`;
    });
    const ps = params.map((_, j) => `let p${j} = bitcast<f32>(prm[${paramAt + j}]);`);
    return `${inputs.map((t, j) => decl(j, `x${j}`, gpuType(t.dtype))).join('\n')}
${decl(k, 'out', gpuType(outDtype), true)}
${metaDecl(k + 1)}
${INT_HELPERS}
${main1d(`${stridedOffsets(
  'i',
  nd,
  shapeAt,
  inputs.map((_, j) => 1 + j),
  strideAt,
  inputs.map((_, j) => `o${j}`),
)}
  ${loads.join('\n  ')}
  ${ps.join('\n  ')}
  out[i] = ${storeAs(outDtype, kind, expr)};`)}`;
  };
  const meta = [
    0,
    ...inputs.map((t) => t.offset),
    ...c.shape,
    ...c.strides.slice(1).flat(),
    ...params.map(f32word),
  ];
  launch(key, source, [...inputs.map(bufferOf), bufferOf(out)], meta, out.numel);
  return out;
}

function elementwiseKernel(op: string, e: Expr): Kernel {
  return (inputs, attrs) => [
    runElementwise(op, e, inputs, attrs.dtype as DType, (attrs.params as number[] | undefined) ?? []),
  ];
}

/** Copies any strided view into a new contiguous tensor of `dtype` (converting values). */
export function castTo(x: Tensor, dtype: DType): Tensor {
  const out = newGpuTensor(x.shape, dtype);
  if (out.numel === 0) return out;
  const c = coalesce(x.shape, [out.strides, x.strides]);
  const nd = c.shape.length;
  const from = x.dtype;
  const key = `cast|${from}|${dtype}|${nd}`;
  const source = () => {
    const raw = 'x[o0]';
    const value =
      from === dtype ? raw : storeAs(dtype, computeType(from) === 'i32' ? 'i32' : 'f32', loadAs(from, raw));
    return `${decl(0, 'x', gpuType(from))}
${decl(1, 'out', gpuType(dtype), true)}
${metaDecl(2)}
${main1d(`${stridedOffsets('i', nd, 2, [1], [2 + nd], ['o0'])}
  out[i] = ${value};`)}`;
  };
  launch(key, source, [bufferOf(x), bufferOf(out)], [0, x.offset, ...c.shape, ...c.strides[1]], out.numel);
  return out;
}

/** All elementwise kernels of the WebGPU backend (and `cast`). */
export const elementwiseKernels: Record<string, Kernel> = {
  cast: ([x], attrs) => [castTo(x, attrs.dtype as DType)],
  ...Object.fromEntries(
    [UNARY, BINARY, TERNARY].flatMap((table) =>
      Object.entries(table).map(([name, e]) => [name, elementwiseKernel(name, e)]),
    ),
  ),
};
