import {
  type Tensor,
  cat,
  eq,
  expand,
  flip,
  logicalAnd,
  logicalOr,
  narrow,
  ones,
  permute,
  reshape,
  scatter,
  tensor,
  transpose,
  unsqueeze,
  where,
  zeros,
} from '@kindling/core';
import { isGradEnabled } from '../grad-mode.js';
import { cumprodDim, cumsumDim, reverseCumsum, sumDims } from './prims.js';
import type { DerivativeContext, DerivativeTable } from './types.js';
import { unsqueezeReduced } from './util.js';

interface ReduceAttrs {
  dims: number[];
  keepdim: boolean;
}

/** The output gradient reshaped to broadcast against the input (reduced dims back as size 1). */
function keep(ctx: DerivativeContext, t: Tensor): Tensor {
  const { dims, keepdim } = ctx.attrs as unknown as ReduceAttrs;
  return keepdim ? t : unsqueezeReduced(t, ctx.inputShape(0), dims);
}

/** Products of all other elements along the last dim, without dividing (exact with zeros). */
function exclusiveProducts(t: Tensor): Tensor {
  const d = t.ndim - 1;
  const n = t.shape[d];
  if (n <= 1) return ones(t.shape, { dtype: t.dtype, device: t.device });
  const one = ones([...t.shape.slice(0, d), 1], { dtype: t.dtype, device: t.device });
  const left = cumprodDim(cat([one, narrow(t, d, 0, n - 1)], d), d);
  const right = reverseCumprod(cat([narrow(t, d, 1, n - 1), one], d), d);
  return left.mul(right);
}

function reverseCumprod(t: Tensor, d: number): Tensor {
  return flip(cumprodDim(flip(t, d), d), d);
}

/** Gradient of `prod` over `dims`: g times the product of the other reduced elements. */
function prodBackward(ctx: DerivativeContext): Tensor {
  const x = ctx.input(0);
  const { dims } = ctx.attrs as unknown as ReduceAttrs;
  const g = keep(ctx, ctx.grad);
  if (x.ndim === 0 || dims.length === 0) return g;
  const keptDims = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const perm = [...keptDims, ...dims];
  const keptShape = keptDims.map((i) => x.shape[i]);
  const redShape = dims.map((i) => x.shape[i]);
  const n = redShape.reduce((a, b) => a * b, 1);
  const flat = reshape(permute(x, perm), [...keptShape, n]);
  const others = reshape(exclusiveProducts(flat), [...keptShape, ...redShape]);
  const inv = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return permute(others, inv).mul(g);
}

/**
 * Gradient of `cumprod` along `dim`, exact when `x` has zeros: before the first zero it is
 * `revcumsum(g y) / x`; at the first zero it is `prod(x before) * revcumsum(g * cumprod(x after))`;
 * after it, zero (PyTorch's cumprod_backward, written with masks instead of loops).
 */
function cumprodBackward(g: Tensor, x: Tensor, y: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return g;
  const n = x.shape[dim];
  if (n === 0) return g;
  const isZero = eq(x, 0);
  const zerosSoFar = cumsumDim(isZero.to('int32'), dim);
  const before = eq(zerosSoFar, 0);
  const first = logicalAnd(isZero, eq(zerosSoFar, 1));
  const partA = where(before, reverseCumsum(g.mul(y), dim).div(where(before, x, 1)), 0);
  const lead = narrow(cumprodDim(where(before, x, 1), dim), dim, n - 1, 1);
  const tail = cumprodDim(where(logicalOr(before, first), 1, x), dim);
  const partB = where(first, reverseCumsum(g.mul(tail), dim).mul(lead), 0);
  return partA.add(partB);
}

/** A bool `[n, n]` matrix: the diagonal (`upper` false) or the upper triangle with it (`upper` true). */
function squareMask(n: number, upper: boolean, device: Tensor['device']): Tensor {
  const m = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < (upper ? n : i + 1); j++) m[i * n + j] = 1;
  return tensor(m, { dtype: 'bool', device }).reshape([n, n]);
}

/**
 * The same gradient as `cumprodBackward`, written so that every entry keeps its dependence on every
 * element of `x` (`P[i, j] = prod_{m <= j, m != i} x_m` by a cumprod of `x` with the diagonal set to
 * one): exact higher-order gradients even at zeros, at O(n^2) memory. Used when the backward pass is
 * itself recorded (`createGraph`).
 */
function cumprodBackwardRecorded(g: Tensor, x: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return g;
  const n = x.shape[dim];
  if (n === 0) return g;
  const last = x.ndim - 1;
  const xt = transpose(x, dim, last);
  const gt = transpose(g, dim, last);
  const rows = unsqueeze(xt, -2).expand([...xt.shape.slice(0, last), n, n]);
  const P = cumprodDim(where(squareMask(n, false, x.device), 1, rows), last + 1);
  const terms = where(squareMask(n, true, x.device), P.mul(unsqueeze(gt, -2)), 0);
  return transpose(sumDims(terms, [last + 1], false), dim, last);
}

/** Derivatives of the reduction and scan primitives. */
export const reduceDerivatives: DerivativeTable = {
  sum: { backward: (ctx) => [expand(keep(ctx, ctx.grad), ctx.inputShape(0))] },
  prod: { saveInputs: [0], backward: (ctx) => [prodBackward(ctx)] },
  // Ties share the gradient evenly, as PyTorch's amax/amin backward.
  amax: { saveInputs: [0], saveOutputs: [0], backward: (ctx) => [evenlyToTies(ctx)] },
  amin: { saveInputs: [0], saveOutputs: [0], backward: (ctx) => [evenlyToTies(ctx)] },
  // The gradient of the values goes to the selected index.
  maxDim: { saveOutputs: [1], backward: (ctx) => [toIndices(ctx)] },
  minDim: { saveOutputs: [1], backward: (ctx) => [toIndices(ctx)] },
  cumsum: { backward: (ctx) => [reverseCumsum(ctx.grad, ctx.attrs.dim as number)] },
  cumprod: {
    saveInputs: [0],
    saveOutputs: [0],
    backward: (ctx) =>
      isGradEnabled()
        ? [cumprodBackwardRecorded(ctx.grad, ctx.input(0), ctx.attrs.dim as number)]
        : [cumprodBackward(ctx.grad, ctx.input(0), ctx.output(0), ctx.attrs.dim as number)],
  },
};

function evenlyToTies(ctx: DerivativeContext): Tensor {
  const x = ctx.input(0);
  const { dims } = ctx.attrs as unknown as ReduceAttrs;
  const mask = eq(x, keep(ctx, ctx.output(0))).to(x.dtype);
  const count = sumDims(mask, dims, true);
  return mask.mul(keep(ctx, ctx.grad).div(count));
}

function toIndices(ctx: DerivativeContext): Tensor | null {
  const g = ctx.grads[0];
  if (!g) return null;
  const shape = ctx.inputShape(0);
  if (shape.length === 0) return g;
  const dim = ctx.attrs.dim as number;
  const kd = (t: Tensor) => (ctx.attrs.keepdim ? t : unsqueezeReduced(t, shape, [dim]));
  return scatter(zeros(shape, { dtype: g.dtype, device: g.device }), dim, kd(ctx.output(1)), kd(g));
}
