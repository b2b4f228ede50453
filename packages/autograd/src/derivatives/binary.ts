import {
  type Tensor,
  div,
  eq,
  floor,
  ge,
  gt,
  log,
  logicalAnd,
  lt,
  pow,
  trunc,
  where,
  zerosLike,
} from '@kindling/core';
import type { Derivative, DerivativeContext, DerivativeTable } from './types.js';

type Grad = (g: Tensor, ctx: DerivativeContext) => Tensor;

/**
 * A binary formula (inputs a, b have one shape and dtype: core broadcasts and promotes first).
 * `useA`/`useB` list the inputs each gradient reads, so only what is needed is saved.
 */
function binary(da: Grad, useA: number[], db: Grad, useB: number[], saveOutput = false): Derivative {
  return {
    saveInputs: (n) => [...new Set([...(n[0] ? useA : []), ...(n[1] ? useB : [])])],
    saveOutputs: saveOutput ? [0] : undefined,
    backward: (ctx) => [ctx.needs(0) ? da(ctx.grad, ctx) : null, ctx.needs(1) ? db(ctx.grad, ctx) : null],
  };
}

const A = (ctx: DerivativeContext) => ctx.input(0);
const B = (ctx: DerivativeContext) => ctx.input(1);

/**
 * Gradient of max/min-like selection: all of `g` where this side wins, half where `a == b`
 * (PyTorch splits ties evenly), nothing where the other side wins.
 */
function pick(g: Tensor, wins: Tensor, tie: Tensor): Tensor {
  return where(wins, g, where(tie, g.mul(0.5), 0));
}

/** Derivatives of the binary elementwise primitives. */
export const binaryDerivatives: DerivativeTable = {
  add: binary(
    (g) => g,
    [],
    (g) => g,
    [],
  ),
  sub: binary(
    (g) => g,
    [],
    (g) => g.neg(),
    [],
  ),
  mul: binary(
    (g, c) => g.mul(B(c)),
    [1],
    (g, c) => g.mul(A(c)),
    [0],
  ),
  div: binary(
    (g, c) => g.div(B(c)),
    [1],
    (g, c) => g.neg().mul(A(c)).div(B(c).square()),
    [0, 1],
  ),
  pow: binary(
    // exponent == 0 gives 0 (even at a == 0), as PyTorch's pow_backward_self.
    (g, c) => where(eq(B(c), 0), 0, g.mul(B(c).mul(pow(A(c), B(c).sub(1))))),
    [0, 1],
    // a == 0 with exponent >= 0 gives 0, as PyTorch's pow_backward_exponent.
    (g, c) => g.mul(where(logicalAnd(eq(A(c), 0), ge(B(c), 0)), 0, c.output(0).mul(log(A(c))))),
    [0, 1],
    true,
  ),
  maximum: binary(
    (g, c) => pick(g, gt(A(c), B(c)), eq(A(c), B(c))),
    [0, 1],
    (g, c) => pick(g, lt(A(c), B(c)), eq(A(c), B(c))),
    [0, 1],
  ),
  minimum: binary(
    (g, c) => pick(g, lt(A(c), B(c)), eq(A(c), B(c))),
    [0, 1],
    (g, c) => pick(g, gt(A(c), B(c)), eq(A(c), B(c))),
    [0, 1],
  ),
  // Piecewise constant: zero gradients, as PyTorch's div(..., rounding_mode='floor').
  floorDivide: binary(
    (g) => zerosLike(g),
    [],
    (g) => zerosLike(g),
    [],
  ),
  // remainder(a, b) = a - floor(a / b) b
  remainder: binary(
    (g) => g,
    [],
    (g, c) => g.neg().mul(floor(div(A(c), B(c)))),
    [0, 1],
  ),
  // fmod(a, b) = a - trunc(a / b) b
  fmod: binary(
    (g) => g,
    [],
    (g, c) => g.neg().mul(trunc(div(A(c), B(c)))),
    [0, 1],
  ),
  atan2: binary(
    (g, c) => g.mul(B(c)).div(A(c).square().add(B(c).square())),
    [0, 1],
    (g, c) => g.mul(A(c).neg()).div(A(c).square().add(B(c).square())),
    [0, 1],
  ),
};

/** Derivative of `where(cond, a, b)`: the gradient goes to the picked side. */
export const ternaryDerivatives: DerivativeTable = {
  where: {
    saveInputs: [0],
    backward(ctx) {
      const g = ctx.grad;
      const c = ctx.input(0);
      return [null, ctx.needs(1) ? where(c, g, 0) : null, ctx.needs(2) ? where(c, 0, g) : null];
    },
  },
};
