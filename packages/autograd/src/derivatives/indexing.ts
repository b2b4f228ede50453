import {
  type Tensor,
  dispatch1,
  gather,
  indexAdd,
  indexSelect,
  narrow,
  scatter,
  scatterAdd,
  zeros,
} from '@kindling/core';
import type { DerivativeContext, DerivativeTable } from './types.js';
import { zerosOf } from './util.js';

/** Pads `t` with zeros at the end of each dim up to `shape` (src larger than index in scatter). */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  let out = t;
  for (let d = 0; d < shape.length; d++) {
    if (out.shape[d] === shape[d]) continue;
    const target = [...out.shape];
    target[d] = shape[d];
    out = dispatch1('sliceScatter', [zeros(target, { dtype: t.dtype, device: t.device }), out], {
      dim: d,
      start: 0,
      end: out.shape[d],
      step: 1,
      zeroBase: true,
    });
  }
  return out;
}

/** Gradient of a scatter source: the output gradient at the written positions. */
function srcGrad(ctx: DerivativeContext): Tensor {
  const dim = ctx.attrs.dim as number;
  const idx = ctx.input(1);
  const g = ctx.grad;
  if (g.ndim === 0) return g;
  return padTo(gather(g, dim, idx), ctx.inputShape(2));
}

/** Derivatives of the indexing primitives (index tensors get none). */
export const indexingDerivatives: DerivativeTable = {
  // inputs t0, t1, ...: each gets its slice of the gradient.
  cat: {
    backward(ctx) {
      const dim = ctx.attrs.dim as number;
      const out: (Tensor | null)[] = [];
      let start = 0;
      for (let i = 0; i < ctx.numInputs; i++) {
        const n = ctx.inputShape(i)[dim];
        out.push(ctx.needs(i) ? narrow(ctx.grad, dim, start, n) : null);
        start += n;
      }
      return out;
    },
  },
  gather: {
    saveInputs: [1],
    backward(ctx) {
      const g = ctx.grad;
      if (ctx.inputShape(0).length === 0) return [g.reshape([])];
      return [scatterAdd(zerosOf(ctx, 0, g), ctx.attrs.dim as number, ctx.input(1), g)];
    },
  },
  // inputs x, index, src: written positions come from src, the rest from x.
  scatter: {
    saveInputs: [1],
    backward(ctx) {
      const g = ctx.grad;
      if (g.ndim === 0)
        return [ctx.needs(0) ? g.mul(0) : null, null, ctx.needs(2) ? g.reshape(ctx.inputShape(2)) : null];
      return [
        ctx.needs(0) ? scatter(g, ctx.attrs.dim as number, ctx.input(1), 0) : null,
        null,
        ctx.needs(2) ? srcGrad(ctx) : null,
      ];
    },
  },
  scatterAdd: {
    saveInputs: [1],
    backward: (ctx) => [
      ctx.grad,
      null,
      ctx.needs(2) ? (ctx.grad.ndim === 0 ? ctx.grad.reshape(ctx.inputShape(2)) : srcGrad(ctx)) : null,
    ],
  },
  indexSelect: {
    saveInputs: [1],
    backward(ctx) {
      const g = ctx.grad;
      const shape = ctx.inputShape(0);
      if (shape.length === 0) return [g.reshape([])];
      return [indexAdd(zerosOf(ctx, 0, g), ctx.attrs.dim as number, ctx.input(1), g)];
    },
  },
  // inputs x, index, source (alpha already applied by core).
  indexAdd: {
    saveInputs: [1],
    backward(ctx) {
      const g = ctx.grad;
      const shape = ctx.inputShape(2);
      let gs: Tensor | null = null;
      if (ctx.needs(2)) {
        gs = g.ndim === 0 ? g.reshape(shape) : indexSelect(g, ctx.attrs.dim as number, ctx.input(1));
        if (gs.ndim !== shape.length) gs = gs.reshape(shape);
      }
      return [g, null, gs];
    },
  },
  // outputs [values, indices]: the gradient goes back to where each value came from.
  sort: {
    saveOutputs: [1],
    backward(ctx) {
      const g = ctx.grads[0];
      if (!g) return [null];
      if (g.ndim === 0) return [g];
      return [scatter(zerosOf(ctx, 0, g), ctx.attrs.dim as number, ctx.output(1), g)];
    },
  },
};
