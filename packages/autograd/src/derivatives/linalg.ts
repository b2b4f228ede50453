import { type Tensor, bmm, transpose } from '@kindling/core';
import type { DerivativeContext, DerivativeTable } from './types.js';

/**
 * Whether input `i` was a transposed view in its last two dims (column-major, as a Linear layer's
 * `weight.t()`): its gradient is then computed in that layout, so that after the view's own
 * backward it is contiguous in the weight's layout and can become `.grad` without a copy (what
 * PyTorch's gradient-layout contract achieves).
 */
function columnMajor(ctx: DerivativeContext, i: number): boolean {
  const { shape, strides } = ctx.inputGeometry(i);
  return shape[1] > 1 && shape[2] > 1 && strides[1] === 1 && strides[2] === shape[1];
}

/** `x @ y` computed as `(yᵀ xᵀ)ᵀ` when the result should come out column-major. */
function product(x: Tensor, y: Tensor, columnMajorResult: boolean): Tensor {
  if (!columnMajorResult) return bmm(x, y);
  return transpose(bmm(transpose(y, 1, 2), transpose(x, 1, 2)), 1, 2);
}

/** Derivative of the one linear-algebra primitive, `bmm(a [B,M,K], b [B,K,N])`. */
export const linalgDerivatives: DerivativeTable = {
  bmm: {
    saveInputs: [0, 1],
    backward(ctx) {
      const g = ctx.grad;
      return [
        ctx.needs(0) ? product(g, transpose(ctx.input(1), 1, 2), columnMajor(ctx, 0)) : null,
        ctx.needs(1) ? product(transpose(ctx.input(0), 1, 2), g, columnMajor(ctx, 1)) : null,
      ];
    },
  },
};
