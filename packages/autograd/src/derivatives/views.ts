import {
  type Attrs,
  cast,
  cat,
  type DeviceName,
  DeviceError,
  type DType,
  dispatch1,
  getBackend,
  permute,
  reshape,
  type Tensor,
  toDevice,
  zeros,
} from '@kindling/core';
import { asStridedBackward } from './as-strided.js';
import type { DerivativeTable } from './types.js';
import { sumToShape, zerosOf } from './util.js';

/** `slice` attributes (already normalized by core: 0 <= start <= end <= size, step >= 1). */
function sliceAttrs(a: Attrs): Attrs {
  return { dim: a.dim, start: a.start, end: a.end, step: a.step };
}

/**
 * `toDevice`'s gradient moved back to the input's device (`attrs.from`). A GPU gradient of a CPU
 * tensor would have to be read back synchronously, which WebGPU cannot: that fails with a
 * DeviceError saying to make the leaf on the device instead.
 */
function gradToDevice(g: Tensor, attrs: Attrs): Tensor {
  const from = attrs.from as DeviceName;
  if (g.device !== from && !getBackend(g.device).readSync) {
    throw new DeviceError(
      `backward of to('${g.device}'): the gradient would have to be read back from ${g.device} to the ${from} tensor synchronously, which ${g.device} cannot do; create the tensor on ${g.device} and let it require grad there (x = x.to('${g.device}').requiresGrad_()), or move results with await y.toAsync('${from}'), whose gradient flows back`,
    );
  }
  return toDevice(g, from);
}

/** Derivatives of the view primitives (they share storage, but differentiate like copies). */
export const viewDerivatives: DerivativeTable = {
  view: { backward: (ctx) => [reshape(ctx.grad, ctx.inputShape(0))] },
  permute: {
    backward(ctx) {
      const dims = ctx.attrs.dims as number[];
      const inv = new Array<number>(dims.length);
      for (let i = 0; i < dims.length; i++) inv[dims[i]] = i;
      return [permute(ctx.grad, inv)];
    },
  },
  // Broadcasting: sum the gradient back to the input shape.
  expand: { backward: (ctx) => [sumToShape(ctx.grad, ctx.inputShape(0))] },
  // One gradient for all pieces: pieces that got none contribute zeros.
  split: {
    backward(ctx) {
      const dim = ctx.attrs.dim as number;
      const sizes = ctx.attrs.sizes as number[];
      const like = ctx.grads.find((g) => g !== null) as Tensor;
      const shape = ctx.inputShape(0);
      const parts = ctx.grads.map(
        (g, i) =>
          g ??
          zeros(
            shape.map((s, d) => (d === dim ? sizes[i] : s)),
            { dtype: like.dtype, device: like.device },
          ),
      );
      return [cat(parts, dim)];
    },
  },
  slice: {
    backward: (ctx) => [
      dispatch1('sliceScatter', [zerosOf(ctx, 0, ctx.grad), ctx.grad], {
        ...sliceAttrs(ctx.attrs),
        zeroBase: true,
      }),
    ],
  },
  asStrided: {
    backward: (ctx) => [asStridedBackward(ctx.grad, ctx.attrs, ctx.inputGeometry(0))],
  },
};

/** Derivatives of the copy primitives. */
export const copyDerivatives: DerivativeTable = {
  // A copy to another device: the gradient goes back to the input's device.
  toDevice: { backward: (ctx) => [gradToDevice(ctx.grad, ctx.attrs)] },
  // The cast back to the input dtype (also `contiguous()`, which is a same-dtype cast).
  cast: { backward: (ctx) => [cast(ctx.grad, ctx.inputDType(0) as DType)] },
  // In place into inputs[0]: the old value is overwritten, the gradient goes to the source (already
  // converted and expanded to the destination by core, whose own ops differentiate back).
  copy_: { backward: (ctx) => [null, ctx.grad] },
  // inputs [base, src]: the slice region comes from src, the rest from base.
  sliceScatter: {
    backward(ctx) {
      const g = ctx.grad;
      const a = sliceAttrs(ctx.attrs);
      return [
        ctx.needs(0)
          ? dispatch1('sliceScatter', [g, zeros(ctx.inputShape(1), { dtype: g.dtype, device: g.device })], a)
          : null,
        ctx.needs(1) ? dispatch1('slice', [g], a) : null,
      ];
    },
  },
};
