import type { Kernel } from '../../backend.js';
import type { DType } from '../../dtype.js';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat } from '../../io/half.js';
import type { Tensor } from '../../tensor.js';
import { runElementwise, type KernelHelpers } from './codegen.js';
import * as M from './math.js';
import { cpuData, newCpuTensor } from './memory.js';

const H: KernelHelpers = {
  erf: M.erf,
  roundEven: M.roundEven,
  remainder: M.remainder,
  floorDiv: M.floorDiv,
  gelu: M.gelu,
  geluTanh: M.geluTanh,
  sigmoid: M.sigmoid,
  ipow: M.ipow,
  sign: M.sign,
  h2f: halfToFloat,
  f2h: floatToHalf,
  b2f: bf16ToFloat,
  f2b: floatToBf16,
};

/** A JS expression per op: `f` for floats (and the default), `i` where int32 needs its own. */
interface Expr {
  f: string;
  i?: string;
}

/** Unary ops; `p[k]` are the op's scalar parameters. */
export const UNARY_EXPR: Record<string, Expr> = {
  neg: { f: '-a', i: '-a | 0' },
  abs: { f: 'Math.abs(a)', i: 'Math.abs(a) | 0' },
  sign: { f: 'H.sign(a)' },
  sqrt: { f: 'Math.sqrt(a)' },
  rsqrt: { f: '1 / Math.sqrt(a)' },
  square: { f: 'a * a', i: 'Math.imul(a, a)' },
  exp: { f: 'Math.exp(a)' },
  expm1: { f: 'Math.expm1(a)' },
  log: { f: 'Math.log(a)' },
  log1p: { f: 'Math.log1p(a)' },
  log2: { f: 'Math.log2(a)' },
  log10: { f: 'Math.log10(a)' },
  sin: { f: 'Math.sin(a)' },
  cos: { f: 'Math.cos(a)' },
  tan: { f: 'Math.tan(a)' },
  asin: { f: 'Math.asin(a)' },
  acos: { f: 'Math.acos(a)' },
  atan: { f: 'Math.atan(a)' },
  sinh: { f: 'Math.sinh(a)' },
  cosh: { f: 'Math.cosh(a)' },
  tanh: { f: 'Math.tanh(a)' },
  sigmoid: { f: 'H.sigmoid(a)' },
  relu: { f: 'a > 0 ? a : (a !== a ? a : 0)' },
  gelu: { f: 'H.gelu(a)' },
  geluTanh: { f: 'H.geluTanh(a)' },
  silu: { f: 'a * H.sigmoid(a)' },
  softplus: { f: 'a * p[0] > p[1] ? a : Math.log1p(Math.exp(a * p[0])) / p[0]' },
  elu: { f: 'a > 0 ? a : p[0] * Math.expm1(a)' },
  leakyRelu: { f: 'a > 0 ? a : a * p[0]' },
  erf: { f: 'H.erf(a)' },
  floor: { f: 'Math.floor(a)', i: 'a' },
  ceil: { f: 'Math.ceil(a)', i: 'a' },
  round: { f: 'H.roundEven(a)', i: 'a' },
  trunc: { f: 'Math.trunc(a)', i: 'a' },
  reciprocal: { f: '1 / a' },
  isnan: { f: 'a !== a' },
  isinf: { f: 'a === Infinity || a === -Infinity' },
  isfinite: { f: 'a - a === 0' },
  logicalNot: { f: 'a === 0' },
  nanToNum: { f: 'a !== a ? p[0] : a === Infinity ? p[1] : a === -Infinity ? p[2] : a' },
};

/** Binary ops over same-dtype operands. */
export const BINARY_EXPR: Record<string, Expr> = {
  add: { f: 'a + b', i: '(a + b) | 0' },
  sub: { f: 'a - b', i: '(a - b) | 0' },
  mul: { f: 'a * b', i: 'Math.imul(a, b)' },
  div: { f: 'a / b' },
  pow: { f: 'Math.pow(a, b)', i: 'H.ipow(a, b)' },
  maximum: { f: 'a !== a || b !== b ? NaN : a > b ? a : b', i: 'a > b ? a : b' },
  minimum: { f: 'a !== a || b !== b ? NaN : a < b ? a : b', i: 'a < b ? a : b' },
  remainder: { f: 'H.remainder(a, b)', i: 'H.remainder(a, b) | 0' },
  fmod: { f: 'a % b', i: '(a % b) | 0' },
  floorDivide: { f: 'H.floorDiv(a, b)', i: 'Math.floor(a / b) | 0' },
  atan2: { f: 'Math.atan2(a, b)' },
  eq: { f: 'a === b' },
  ne: { f: 'a !== b' },
  lt: { f: 'a < b' },
  le: { f: 'a <= b' },
  gt: { f: 'a > b' },
  ge: { f: 'a >= b' },
  logicalAnd: { f: 'a !== 0 && b !== 0' },
  logicalOr: { f: 'a !== 0 || b !== 0' },
  logicalXor: { f: '(a !== 0) !== (b !== 0)' },
};

/** Ternary ops: `where(cond, a, b)` sees the condition as `a`. */
export const TERNARY_EXPR: Record<string, Expr> = {
  where: { f: 'a !== 0 ? b : c' },
};

function pick(e: Expr, dtype: DType): string {
  return dtype === 'int32' || dtype === 'bool' ? (e.i ?? e.f) : e.f;
}

function elementwiseKernel(expr: Expr): Kernel {
  return (inputs, attrs) => {
    const shape = inputs[0].shape;
    const { tensor, data } = newCpuTensor(shape, attrs.dtype as DType);
    const computeDtype = inputs[inputs.length - 1].dtype;
    runElementwise(
      pick(expr, computeDtype),
      data,
      shape,
      inputs.map((t: Tensor) => ({ data: cpuData(t), strides: t.strides, offset: t.offset })),
      H,
      (attrs.params as number[] | undefined) ?? [],
    );
    return [tensor];
  };
}

/** The expression converting a value stored as `from` to a value stored as `to`. */
export function castExpr(from: DType, to: DType): string {
  let v = from === 'float16' ? 'H.h2f(a)' : from === 'bfloat16' ? 'H.b2f(a)' : 'a';
  if (to === 'bool') return `(${v}) !== 0`;
  if (to === 'float16') return `H.f2h(${v})`;
  if (to === 'bfloat16') return `H.f2b(${v})`;
  if (to === 'int32' && from !== 'int32' && from !== 'bool') v = `Math.trunc(${v})`;
  return v;
}

/** Copies any strided view into a new contiguous tensor of `attrs.dtype`. */
export const castKernel: Kernel = ([x], attrs) => {
  const to = attrs.dtype as DType;
  const { tensor, data } = newCpuTensor(x.shape, to);
  runElementwise(
    castExpr(x.dtype, to),
    data,
    x.shape,
    [{ data: cpuData(x), strides: x.strides, offset: x.offset }],
    H,
  );
  return [tensor];
};

/** All elementwise kernels of the CPU backend. */
export const elementwiseKernels: Record<string, Kernel> = {
  cast: castKernel,
  ...Object.fromEntries(
    [UNARY_EXPR, BINARY_EXPR, TERNARY_EXPR].flatMap((table) =>
      Object.entries(table).map(([name, e]) => [name, elementwiseKernel(e)]),
    ),
  ),
};

export { H as cpuHelpers };
