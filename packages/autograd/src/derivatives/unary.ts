import {
  cos,
  cosh,
  dispatch1,
  erf,
  exp,
  gt,
  isfinite,
  mul,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sinh,
  tanh,
  where,
  zerosLike,
} from '@kindling/core';
import type { DerivativeTable } from './types.js';
import { params, unary, useFused } from './util.js';

const LN2 = Math.LN2;
const LN10 = Math.LN10;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** A zero gradient (piecewise-constant ops: floor, ceil, round, trunc, sign). */
const zero = unary('none', (g) => zerosLike(g));

/** Derivatives of the unary elementwise primitives (x: input, y: output, g: output gradient). */
export const unaryDerivatives: DerivativeTable = {
  neg: unary('none', (g) => g.neg()),
  // abs'(0) = sign(0) = 0, as in PyTorch.
  abs: unary('input', (g, x) => g.mul(sign(x))),
  sign: zero,
  floor: zero,
  ceil: zero,
  round: zero,
  trunc: zero,
  sqrt: unary('output', (g, y) => g.div(y.mul(2))),
  rsqrt: unary('output', (g, y) => g.mul(y.pow(3)).mul(-0.5)),
  square: unary('input', (g, x) => g.mul(x.mul(2))),
  exp: unary('output', (g, y) => g.mul(y)),
  expm1: unary('output', (g, y) => g.mul(y.add(1))),
  log: unary('input', (g, x) => g.div(x)),
  log1p: unary('input', (g, x) => g.div(x.add(1))),
  log2: unary('input', (g, x) => g.div(x.mul(LN2))),
  log10: unary('input', (g, x) => g.div(x.mul(LN10))),
  sin: unary('input', (g, x) => g.mul(cos(x))),
  cos: unary('input', (g, x) => g.mul(sin(x).neg())),
  tan: unary('output', (g, y) => g.mul(y.square().add(1))),
  asin: unary('input', (g, x) => g.mul(rsqrt(x.square().neg().add(1)))),
  acos: unary('input', (g, x) => g.mul(rsqrt(x.square().neg().add(1))).neg()),
  atan: unary('input', (g, x) => g.div(x.square().add(1))),
  sinh: unary('input', (g, x) => g.mul(cosh(x))),
  cosh: unary('input', (g, x) => g.mul(sinh(x))),
  tanh: unary('output', (g, y) => g.mul(y.square().neg().add(1))),
  sigmoid: unary('output', (g, y) => g.mul(y.mul(y.neg().add(1)))),
  // relu'(0) = 0: PyTorch's threshold_backward on the result.
  relu: unary('output', (g, y) => where(gt(y, 0), g, 0)),
  // d/dx x Φ(x) = Φ(x) + x φ(x)
  gelu: unary('input', (g, x) => {
    if (useFused('geluBackward', g.device)) return dispatch1('geluBackward', [g, x], { approximate: 'none' });
    const cdf = erf(x.mul(SQRT1_2)).add(1).mul(0.5);
    const pdf = exp(x.square().mul(-0.5)).mul(INV_SQRT_2PI);
    return g.mul(cdf.add(x.mul(pdf)));
  }),
  geluTanh: unary('input', (g, x) => {
    if (useFused('geluBackward', g.device)) return dispatch1('geluBackward', [g, x], { approximate: 'tanh' });
    const x2 = x.square();
    const t = tanh(x.mul(x2.mul(GELU_C).add(1)).mul(GELU_K));
    const dInner = x2
      .mul(3 * GELU_C)
      .add(1)
      .mul(GELU_K);
    const d = t
      .add(1)
      .mul(0.5)
      .add(x.mul(0.5).mul(t.square().neg().add(1)).mul(dInner));
    return g.mul(d);
  }),
  silu: unary('input', (g, x) => {
    const s = sigmoid(x);
    return g.mul(s.mul(x.mul(s.neg().add(1)).add(1)));
  }),
  // params [beta, threshold]: linear (gradient g) where beta x > threshold.
  softplus: unary('input', (g, x, ctx) => {
    const [beta, threshold] = params(ctx);
    const bx = x.mul(beta);
    return where(gt(bx, threshold), g, g.mul(sigmoid(bx)));
  }),
  // params [alpha]: x <= 0 takes the exponential branch, as PyTorch's elu_backward.
  elu: unary('input', (g, x, ctx) => {
    const [alpha] = params(ctx);
    return where(gt(x, 0), g, g.mul(exp(x).mul(alpha)));
  }),
  // params [negativeSlope]
  leakyRelu: unary('input', (g, x, ctx) => {
    const [slope] = params(ctx);
    return where(gt(x, 0), g, g.mul(slope));
  }),
  erf: unary('input', (g, x) => g.mul(exp(x.square().neg()).mul(TWO_OVER_SQRT_PI))),
  reciprocal: unary('output', (g, y) => g.mul(y.square()).neg()),
  // PyTorch: grad * isfinite(x)
  nanToNum: unary('input', (g, x) => mul(g, isfinite(x).to(g.dtype))),
};
