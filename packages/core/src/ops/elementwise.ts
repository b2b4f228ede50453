import { dispatch1 } from '../dispatch.js';
import { type DType, defaultFloat, isFloating, toFloating } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { broadcastShapes, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { cast } from './copy.js';
import { checkComputable, type Operand, resultType } from './promote.js';
import { scalarTensor } from './scalar.js';

/** How an op's output dtype follows from the promoted input dtype. */
type OutRule = 'same' | 'float' | 'bool';

function deviceOf(operands: readonly Operand[]) {
  for (const v of operands) if (v instanceof Tensor) return v.device;
  return 'cpu' as const;
}

/** Promotes, casts and broadcasts operands, then dispatches an elementwise primitive. */
function elementwise(
  op: string,
  operands: readonly Operand[],
  rule: OutRule,
  params?: number[],
  compute?: DType,
): Tensor {
  let dtype = compute ?? resultType(op, operands);
  if (rule === 'float') dtype = toFloating(dtype);
  checkComputable(op, dtype);
  const device = deviceOf(operands);
  const tensors = operands.map((v) => (v instanceof Tensor ? v : scalarTensor(v, dtype, device)));
  const shape = broadcastShapes(op, ...tensors.map((t) => t.shape));
  const ready = tensors.map((t) => {
    const c = t.dtype === dtype ? t : cast(t, dtype);
    return sameShape(c.shape, shape) ? c : c.expand(shape);
  });
  const outDtype = rule === 'bool' ? 'bool' : dtype;
  return dispatch1(op, ready, params ? { dtype: outDtype, params } : { dtype: outDtype });
}

const unary =
  (op: string, rule: OutRule = 'same') =>
  (x: Tensor) =>
    elementwise(op, [x], rule);
const unaryFloat = (op: string) => unary(op, 'float');
const binary =
  (op: string, rule: OutRule = 'same') =>
  (a: Operand, b: Operand) =>
    elementwise(op, [a, b], rule);

function noBool(op: string, x: Tensor): void {
  if (x.dtype === 'bool') throw new DTypeError(`${op}: not supported for bool tensors`);
}

function scaled(b: Operand, alpha: number): Operand {
  return b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
}

/** `a + alpha * b` with broadcasting and type promotion. */
export function add(a: Operand, b: Operand, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  return elementwise('add', [a, alpha === 1 ? b : scaled(b, alpha)], 'same');
}
/** `a - alpha * b`. */
export function sub(a: Operand, b: Operand, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha ?? 1;
  return elementwise('sub', [a, alpha === 1 ? b : scaled(b, alpha)], 'same');
}
/** `a * b`. */
export const mul = binary('mul');
/** True division `a / b` (always floating), or rounded with `roundingMode`. */
export function div(a: Operand, b: Operand, options?: { roundingMode?: 'floor' | 'trunc' }): Tensor {
  if (options?.roundingMode === 'floor') return floorDivide(a, b);
  const q = elementwise('div', [a, b], 'float');
  if (options?.roundingMode === 'trunc') {
    const t = trunc(q);
    const dt = resultType('div', [a, b]);
    return dt === q.dtype ? t : cast(t, dt);
  }
  return q;
}
/** Division rounded toward negative infinity. */
export const floorDivide = binary('floorDivide');
/** Python-style remainder (sign of the divisor). */
export const remainder = binary('remainder');
/** C-style remainder (sign of the dividend). */
export const fmod = binary('fmod');
/** `a ** b`. */
export const pow = binary('pow');
/** Elementwise maximum (NaN propagates). */
export const maximum = binary('maximum');
/** Elementwise minimum (NaN propagates). */
export const minimum = binary('minimum');
/** Four-quadrant arctangent of `a / b`. */
export const atan2 = binary('atan2', 'float');
/** `a == b`. */
export const eq = binary('eq', 'bool');
/** `a != b`. */
export const ne = binary('ne', 'bool');
/** `a < b`. */
export const lt = binary('lt', 'bool');
/** `a <= b`. */
export const le = binary('le', 'bool');
/** `a > b`. */
export const gt = binary('gt', 'bool');
/** `a >= b`. */
export const ge = binary('ge', 'bool');
/** Logical and of truth values. */
export const logicalAnd = binary('logicalAnd', 'bool');
/** Logical or of truth values. */
export const logicalOr = binary('logicalOr', 'bool');
/** Logical xor of truth values. */
export const logicalXor = binary('logicalXor', 'bool');

/** `-x`. */
export function neg(x: Tensor): Tensor {
  noBool('neg', x);
  return elementwise('neg', [x], 'same');
}
/** `|x|`. */
export const abs = unary('abs');
/** Sign: -1, 0 or 1. */
export const sign = unary('sign');
/** `x * x`. */
export const square = unary('square');
/** Square root. */
export const sqrt = unaryFloat('sqrt');
/** `1 / sqrt(x)`. */
export const rsqrt = unaryFloat('rsqrt');
/** Exponential. */
export const exp = unaryFloat('exp');
/** `exp(x) - 1`. */
export const expm1 = unaryFloat('expm1');
/** Natural logarithm. */
export const log = unaryFloat('log');
/** `log(1 + x)`. */
export const log1p = unaryFloat('log1p');
/** Base-2 logarithm. */
export const log2 = unaryFloat('log2');
/** Base-10 logarithm. */
export const log10 = unaryFloat('log10');
/** Sine. */
export const sin = unaryFloat('sin');
/** Cosine. */
export const cos = unaryFloat('cos');
/** Tangent. */
export const tan = unaryFloat('tan');
/** Arcsine. */
export const asin = unaryFloat('asin');
/** Arccosine. */
export const acos = unaryFloat('acos');
/** Arctangent. */
export const atan = unaryFloat('atan');
/** Hyperbolic sine. */
export const sinh = unaryFloat('sinh');
/** Hyperbolic cosine. */
export const cosh = unaryFloat('cosh');
/** Hyperbolic tangent. */
export const tanh = unaryFloat('tanh');
/** Logistic sigmoid. */
export const sigmoid = unaryFloat('sigmoid');
/** Error function. */
export const erf = unaryFloat('erf');
/** `1 / x`. */
export const reciprocal = unaryFloat('reciprocal');
/** `max(x, 0)`. */
export const relu = unary('relu');
/** Round toward negative infinity. */
export const floor = unary('floor');
/** Round toward positive infinity. */
export const ceil = unary('ceil');
/** Round half to even. */
export const round = unary('round');
/** Round toward zero. */
export const trunc = unary('trunc');
/** Which elements are NaN. */
export const isnan = unary('isnan', 'bool');
/** Which elements are infinite. */
export const isinf = unary('isinf', 'bool');
/** Which elements are finite. */
export const isfinite = unary('isfinite', 'bool');
/** Logical not. */
export const logicalNot = unary('logicalNot', 'bool');

/** SiLU: `x * sigmoid(x)`. */
export const silu = unaryFloat('silu');
/** GELU, exact or with the tanh approximation. */
export function gelu(x: Tensor, options?: { approximate?: 'none' | 'tanh' }): Tensor {
  return elementwise(options?.approximate === 'tanh' ? 'geluTanh' : 'gelu', [x], 'float');
}
/** Softplus: `log(1 + exp(beta x)) / beta`, linear above `threshold`. */
export function softplus(x: Tensor, options?: { beta?: number; threshold?: number }): Tensor {
  return elementwise('softplus', [x], 'float', [options?.beta ?? 1, options?.threshold ?? 20]);
}
/** ELU: `x` for positive inputs, `alpha (exp(x) - 1)` otherwise. */
export function elu(x: Tensor, options?: { alpha?: number }): Tensor {
  return elementwise('elu', [x], 'float', [options?.alpha ?? 1]);
}
/** Leaky ReLU with `negativeSlope` (default 0.01). */
export function leakyRelu(x: Tensor, options?: { negativeSlope?: number }): Tensor {
  return elementwise('leakyRelu', [x], 'float', [options?.negativeSlope ?? 0.01]);
}

const FLOAT_MAX: Partial<Record<DType, number>> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};
/** Replaces NaN (default 0), +inf and -inf (default: the dtype's largest finite values). */
export function nanToNum(x: Tensor, options?: { nan?: number; posinf?: number; neginf?: number }): Tensor {
  if (!isFloating(x.dtype)) return cast(x, x.dtype, true);
  const big = FLOAT_MAX[x.dtype] ?? FLOAT_MAX[defaultFloat()]!;
  return elementwise('nanToNum', [x], 'same', [
    options?.nan ?? 0,
    options?.posinf ?? big,
    options?.neginf ?? -big,
  ]);
}

/** `condition ? a : b`, elementwise with broadcasting. */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  const dtype = resultType('where', [a, b]);
  const cond = condition.dtype === 'bool' ? condition : ne(condition, 0);
  const device = condition.device;
  const ta = a instanceof Tensor ? a : scalarTensor(a, dtype, device);
  const tb = b instanceof Tensor ? b : scalarTensor(b, dtype, device);
  const shape = broadcastShapes('where', cond.shape, ta.shape, tb.shape);
  const fit = (t: Tensor, d: DType) => {
    const c = t.dtype === d ? t : cast(t, d);
    return sameShape(c.shape, shape) ? c : c.expand(shape);
  };
  return dispatch1('where', [fit(cond, 'bool'), fit(ta, dtype), fit(tb, dtype)], { dtype });
}

/**
 * Clamps into `[min, max]`; either bound may be omitted. NaN propagates, a value exactly at a bound
 * passes its whole gradient (as PyTorch), and `min > max` gives `max` everywhere.
 */
export function clamp(x: Tensor, min?: Operand | null, max?: Operand | null): Tensor {
  let out = x;
  if (min !== undefined && min !== null) out = where(lt(out, min), min, out);
  if (max !== undefined && max !== null) out = where(gt(out, max), max, out);
  if (out === x) return cast(x, x.dtype, true);
  return out;
}

/** `start + weight * (end - start)`. */
export function lerp(start: Tensor, end: Operand, weight: Operand): Tensor {
  return add(start, mul(weight, sub(end, start)));
}

/** `input + value * t1 * t2`. */
export function addcmul(input: Tensor, t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor {
  return add(input, mul(mul(t1, t2), options?.value ?? 1));
}

/** `input + value * t1 / t2`. */
export function addcdiv(input: Tensor, t1: Tensor, t2: Tensor, options?: { value?: number }): Tensor {
  return add(input, mul(div(t1, t2), options?.value ?? 1));
}
