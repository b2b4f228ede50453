/** ONNX elementwise operators (unary, binary, variadic, comparisons, logic, activations). */
import * as K from '@kindling/core';
import type { Tensor } from '@kindling/core';
import { attrOf, type OpContext, type OpDef } from './context.js';

const one = (f: (ctx: OpContext) => Tensor): OpDef => ({ run: (ctx) => [f(ctx)] });
const unary = (f: (x: Tensor, ctx: OpContext) => Tensor): OpDef => one((ctx) => f(ctx.input(0), ctx));

/** Casts `t` back to `like`'s dtype when an op promoted it (ONNX keeps the input type). */
function keep(t: Tensor, like: Tensor): Tensor {
  return t.dtype === like.dtype ? t : K.cast(t, like.dtype);
}

function toBool(t: Tensor): Tensor {
  return t.dtype === 'bool' ? t : K.ne(t, 0);
}

/** Integer division truncating toward zero (C semantics, as ONNX Div on integers). */
function divide(a: Tensor, b: Tensor): Tensor {
  if (a.dtype === 'int32' && b.dtype === 'int32') return K.div(a, b, { roundingMode: 'trunc' });
  return K.div(a, b);
}

function variadic(f: (a: Tensor, b: Tensor) => Tensor, post?: (t: Tensor, n: number) => Tensor): OpDef {
  return one((ctx) => {
    const xs = ctx.inputs.filter((t): t is Tensor => t !== null);
    if (xs.length === 0) ctx.fail('needs at least one input');
    let acc = xs[0];
    for (let i = 1; i < xs.length; i++) acc = f(acc, xs[i]);
    return post ? post(acc, xs.length) : acc;
  });
}

/**
 * Opsets before 7 broadcast only when `broadcast=1`, aligning B's dims at `axis` of A (default:
 * the trailing dims); reshape B so numpy-style broadcasting does the same.
 */
function legacy(c: OpContext): [Tensor, Tensor] {
  const a = c.input(0);
  let b = c.input(1);
  if (c.opset < 7 && c.int('broadcast', 0) === 1 && b.ndim < a.ndim && b.ndim > 0) {
    let axis = c.int('axis', a.ndim - b.ndim);
    if (axis < 0) axis += a.ndim;
    b = K.reshape(b, [...b.shape, ...new Array(Math.max(a.ndim - axis - b.ndim, 0)).fill(1)]);
  }
  return [a, b];
}

/** A binary op, with pre-7 broadcasting rules. */
const binary = (f: (a: Tensor, b: Tensor) => Tensor): OpDef => one((c) => f(...legacy(c)));

const SELU_ALPHA = 1.6732631921768188;
const SELU_GAMMA = 1.0507010221481323;

/** Elementwise operators by ONNX name. */
export const elementwiseOps: Record<string, OpDef> = {
  Abs: unary((x) => K.abs(x)),
  Neg: unary((x) => K.neg(x)),
  Sign: unary((x) => K.sign(x)),
  Reciprocal: unary((x) => K.reciprocal(x)),
  Floor: unary((x) => K.floor(x)),
  Ceil: unary((x) => K.ceil(x)),
  Round: unary((x) => K.round(x)),
  Sqrt: unary((x) => K.sqrt(x)),
  Exp: unary((x) => K.exp(x)),
  Log: unary((x) => K.log(x)),
  Sin: unary((x) => K.sin(x)),
  Cos: unary((x) => K.cos(x)),
  Tan: unary((x) => K.tan(x)),
  Asin: unary((x) => K.asin(x)),
  Acos: unary((x) => K.acos(x)),
  Atan: unary((x) => K.atan(x)),
  Sinh: unary((x) => K.sinh(x)),
  Cosh: unary((x) => K.cosh(x)),
  Tanh: unary((x) => K.tanh(x)),
  Asinh: unary((x) => K.mul(K.sign(x), K.log(K.add(K.abs(x), K.sqrt(K.add(K.square(x), 1)))))),
  Acosh: unary((x) => K.log(K.add(x, K.sqrt(K.mul(K.sub(x, 1), K.add(x, 1)))))),
  Atanh: unary((x) => K.mul(K.sub(K.log1p(x), K.log1p(K.neg(x))), 0.5)),
  Erf: unary((x) => K.erf(x)),
  Sigmoid: unary((x) => K.sigmoid(x)),
  Relu: unary((x) => K.relu(x)),
  LeakyRelu: unary((x, c) => K.leakyRelu(x, { negativeSlope: c.float('alpha', 0.01) })),
  Elu: unary((x, c) => K.elu(x, { alpha: c.float('alpha', 1) })),
  Selu: unary((x, c) => {
    const alpha = c.float('alpha', SELU_ALPHA);
    const gamma = c.float('gamma', SELU_GAMMA);
    return K.mul(K.where(K.gt(x, 0), x, K.mul(K.expm1(x), alpha)), gamma);
  }),
  Celu: unary((x, c) => {
    const alpha = c.float('alpha', 1);
    return K.add(K.relu(x), K.minimum(K.mul(K.expm1(K.div(x, alpha)), alpha), 0));
  }),
  ThresholdedRelu: unary((x, c) => K.where(K.gt(x, c.float('alpha', 1)), x, 0)),
  HardSigmoid: unary((x, c) => K.clamp(K.add(K.mul(x, c.float('alpha', 0.2)), c.float('beta', 0.5)), 0, 1)),
  HardSwish: unary((x) => K.mul(x, K.clamp(K.add(K.div(x, 6), 0.5), 0, 1))),
  Softplus: unary((x) => K.where(K.gt(x, 0), K.add(x, K.log1p(K.exp(K.neg(x)))), K.log1p(K.exp(x)))),
  Softsign: unary((x) => K.div(x, K.add(K.abs(x), 1))),
  Mish: unary((x) => K.mul(x, K.tanh(K.softplus(x)))),
  Shrink: unary((x, c) => {
    const bias = c.float('bias', 0);
    const lambd = c.float('lambd', 0.5);
    return keep(K.where(K.lt(x, -lambd), K.add(x, bias), K.where(K.gt(x, lambd), K.sub(x, bias), 0)), x);
  }),
  PRelu: one((c) => {
    const x = c.input(0);
    let slope = c.input(1);
    // Before opset 7 a 1-D slope applies per channel (dim 1).
    if (c.opset < 7 && slope.ndim === 1 && x.ndim > 1 && slope.shape[0] === x.shape[1] && slope.shape[0] > 1)
      slope = K.reshape(slope, [slope.shape[0], ...new Array(x.ndim - 2).fill(1)]);
    return K.where(K.lt(x, 0), K.mul(x, slope), x);
  }),
  IsNaN: unary((x) => K.isnan(x)),
  IsInf: unary((x, c) => {
    const neg = c.int('detect_negative', 1);
    const pos = c.int('detect_positive', 1);
    if (neg && pos) return K.isinf(x);
    if (neg) return K.eq(x, -Infinity);
    if (pos) return K.eq(x, Infinity);
    return K.zerosLike(x, { dtype: 'bool' });
  }),
  Not: unary((x) => K.logicalNot(x)),
  Add: binary((a, b) => K.add(a, b)),
  Sub: binary((a, b) => K.sub(a, b)),
  Mul: binary((a, b) => K.mul(a, b)),
  Div: binary(divide),
  Pow: one((c) => {
    const [x, y] = legacy(c);
    const p = K.pow(x.dtype === 'int32' && y.dtype !== 'int32' ? K.cast(x, y.dtype) : x, y);
    return keep(x.dtype === 'int32' && p.dtype !== 'int32' ? K.trunc(p) : p, x);
  }),
  Mod: one((c) => (c.int('fmod', 0) ? K.fmod(c.input(0), c.input(1)) : K.remainder(c.input(0), c.input(1)))),
  Equal: binary((a, b) => K.eq(a, b)),
  Less: binary((a, b) => K.lt(a, b)),
  LessOrEqual: binary((a, b) => K.le(a, b)),
  Greater: binary((a, b) => K.gt(a, b)),
  GreaterOrEqual: binary((a, b) => K.ge(a, b)),
  And: binary((a, b) => K.logicalAnd(toBool(a), toBool(b))),
  Or: binary((a, b) => K.logicalOr(toBool(a), toBool(b))),
  Xor: binary((a, b) => K.logicalXor(toBool(a), toBool(b))),
  Where: one((c) => K.where(toBool(c.input(0)), c.input(1), c.input(2))),
  Sum: variadic((a, b) => K.add(a, b)),
  Mean: variadic(
    (a, b) => K.add(a, b),
    (t, n) => K.div(t, n),
  ),
  Max: variadic((a, b) => K.maximum(a, b)),
  Min: variadic((a, b) => K.minimum(a, b)),
  Clip: {
    run(c) {
      const x = c.input(0);
      let lo: Tensor | number | null = null;
      let hi: Tensor | number | null = null;
      if (c.opset < 11) {
        lo = c.float('min', Number.NEGATIVE_INFINITY);
        hi = c.float('max', Number.POSITIVE_INFINITY);
      } else {
        lo = c.optional(1);
        hi = c.optional(2);
      }
      if (lo === null && hi === null) return [x];
      return [keep(K.clamp(x, lo, hi), x)];
    },
  },
  Identity: one((c) => c.input(0)),
  Dropout: {
    run(c) {
      const x = c.input(0);
      return [x, c.wants(1) ? K.onesLike(x, { dtype: 'bool' }) : null];
    },
    check(node, info) {
      const train = node.inputs[2];
      const ratioName = node.inputs[1];
      const ratio = ratioName ? info.constant(ratioName) : undefined;
      const zeroRatio = ratio !== undefined && Number(ratio.itemSync()) === 0;
      if (train && !zeroRatio) {
        const t = info.constant(train);
        if (!t) return 'Dropout with a non-constant training_mode input';
        if (t.itemSync()) return 'Dropout in training mode (random)';
      }
      if (info.opset < 7 && (attrOf(node, 'is_test')?.i ?? 0) === 0)
        return 'Dropout with is_test=0 (training mode, random)';
      return undefined;
    },
  },
};
