import {
  type Attrs,
  type Tensor,
  contiguous,
  dispatch1,
  matmul,
  reshape,
  scatterAdd,
  transpose,
  zeros,
} from '@kindling/core';
import { sumDims } from './prims.js';
import type { DerivativeContext, DerivativeTable } from './types.js';
import { useFused } from './util.js';

/** The window attrs of `im2col` (shared by the convolution and pooling primitives). */
function windowOf(attrs: Attrs): Attrs {
  const { kernel, dilation, padding, stride, grid } = attrs;
  return { kernel, dilation, padding, stride, grid };
}

/**
 * Gradients of the fused `conv2d` primitive: the fused backward primitives when not recording,
 * else the im2col composite (`dx = col2im(Wᵀ g)`, `dW = Σₙ gₙ colsₙᵀ`) so higher-order gradients
 * exist.
 */
function conv2dBackward(ctx: DerivativeContext): (Tensor | null)[] {
  const g = ctx.grad;
  const win = windowOf(ctx.attrs);
  const [n, , h, w] = ctx.inputShape(0);
  const wShape = ctx.inputShape(1);
  const cout = wShape[0];
  const k = wShape[1] * wShape[2] * wShape[3];
  const l = g.shape[2] * g.shape[3];
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  if (ctx.needs(0)) {
    const weight = ctx.input(1);
    gx = useFused('conv2dBackwardInput', g.device)
      ? dispatch1('conv2dBackwardInput', [contiguous(g), weight], { ...win, inputSize: [h, w] })
      : dispatch1('col2im', [matmul(transpose(reshape(weight, [cout, k]), 0, 1), reshape(g, [n, cout, l]))], {
          ...win,
          outputSize: [h, w],
        });
  }
  if (ctx.needs(1)) {
    const x = ctx.input(0);
    if (useFused('conv2dBackwardWeight', g.device)) {
      gw = dispatch1('conv2dBackwardWeight', [contiguous(g), x], win);
    } else {
      const cols = dispatch1('im2col', [x], { ...win, padValue: 0 });
      gw = reshape(sumDims(matmul(reshape(g, [n, cout, l]), transpose(cols, 1, 2)), [0], false), wShape);
    }
  }
  const gb = ctx.numInputs > 2 && ctx.needs(2) ? sumDims(g, [0, 2, 3], false) : null;
  return [gx, gw, gb];
}

/** Gradient of a max-pooling primitive: values go back to the flattened-plane indices. */
function poolBackward(ctx: DerivativeContext): (Tensor | null)[] {
  const g = ctx.grads[0];
  if (!g) return [null];
  const [N, C, H, W] = ctx.inputShape(0);
  if (useFused('maxPool2dBackward', g.device)) {
    return [dispatch1('maxPool2dBackward', [contiguous(g), ctx.output(1)], { inputSize: [H, W] })];
  }
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
  conv2d: {
    // The input gradient needs the weight and the weight gradient needs the input.
    saveInputs: (needs) => [...(needs[1] ? [0] : []), ...(needs[0] ? [1] : [])],
    backward: conv2dBackward,
  },
  maxPool2d: { saveOutputs: [1], backward: poolBackward },
  adaptiveMaxPool2d: { saveOutputs: [1], backward: poolBackward },
};
