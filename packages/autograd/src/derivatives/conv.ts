import { type Tensor, dispatch1, reshape, scatterAdd, zeros } from '@kindling/core';
import type { DerivativeContext, DerivativeTable } from './types.js';

/** Gradient of a max-pooling primitive: values go back to the flattened-plane indices. */
function poolBackward(ctx: DerivativeContext): (Tensor | null)[] {
  const g = ctx.grads[0];
  if (!g) return [null];
  const [N, C, H, W] = ctx.inputShape(0);
  const idx = reshape(ctx.output(1), [N, C, -1]);
  const flat = scatterAdd(
    zeros([N, C, H * W], { dtype: g.dtype, device: g.device }),
    2,
    idx,
    reshape(g, [N, C, -1]),
  );
  return [reshape(flat, [N, C, H, W])];
}

/** Derivatives of the convolution/pooling primitives (im2col and col2im are adjoint). */
export const convDerivatives: DerivativeTable = {
  im2col: {
    backward(ctx) {
      const { kernel, dilation, padding, stride, grid } = ctx.attrs;
      const s = ctx.inputShape(0);
      return [
        dispatch1('col2im', [ctx.grad], {
          outputSize: [s[2], s[3]],
          kernel,
          dilation,
          padding,
          stride,
          grid,
        }),
      ];
    },
  },
  col2im: {
    backward(ctx) {
      const { kernel, dilation, padding, stride, grid } = ctx.attrs;
      return [dispatch1('im2col', [ctx.grad], { kernel, dilation, padding, stride, grid, padValue: 0 })];
    },
  },
  maxPool2d: { saveOutputs: [1], backward: poolBackward },
  adaptiveMaxPool2d: { saveOutputs: [1], backward: poolBackward },
};
