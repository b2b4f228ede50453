import { type Tensor, contiguous, dispatch, reshape } from '@kindling/core';
import type { DerivativeContext, DerivativeTable } from './types.js';
import { useFused } from './util.js';

/**
 * Gradients of the fused `layerNorm` primitive (core backends/cpu/layer-norm.ts): the fused
 * backward kernel when not recording; when recording, the same formula written with
 * differentiable ops, with the statistics recomputed from x (the saved mean/rstd outputs have no
 * history leading back to x) so higher-order gradients are exact.
 */
function layerNormBackward(ctx: DerivativeContext): (Tensor | null)[] {
  const g = ctx.grads[0];
  if (!g) return [null, null, null];
  const size = ctx.attrs.size as number;
  const eps = ctx.attrs.eps as number;
  const x = ctx.input(0);
  const w = ctx.numInputs > 1 ? ctx.input(1) : null;
  const hasBias = ctx.numInputs > 2;
  if (useFused('layerNormBackward', g.device)) {
    const inputs = [contiguous(g), x, ctx.output(1), ctx.output(2)];
    if (w) inputs.push(w);
    const [dx, dw, db] = dispatch('layerNormBackward', inputs, { size, affine: ctx.attrs.affine });
    return [
      ctx.needs(0) ? dx : null,
      w && ctx.needs(1) ? reshape(dw, ctx.inputShape(1)) : null,
      hasBias && ctx.needs(2) ? reshape(db, ctx.inputShape(2)) : null,
    ];
  }
  const rows = size === 0 ? 0 : x.numel / size;
  const x2 = reshape(x, [rows, size]);
  const g2 = reshape(g, [rows, size]);
  const centered = x2.sub(x2.mean(-1, { keepdim: true }));
  const rstd = centered.square().mean(-1, { keepdim: true }).add(eps).rsqrt();
  const xhat = centered.mul(rstd);
  const h = w ? g2.mul(reshape(w, [size])) : g2;
  const dx = rstd.mul(
    h.sub(h.mean(-1, { keepdim: true })).sub(xhat.mul(h.mul(xhat).mean(-1, { keepdim: true }))),
  );
  return [
    ctx.needs(0) ? reshape(dx, x.shape) : null,
    w && ctx.needs(1) ? reshape(g2.mul(xhat).sum(0), ctx.inputShape(1)) : null,
    hasBias && ctx.needs(2) ? reshape(g2.sum(0), ctx.inputShape(2)) : null,
  ];
}

/**
 * Gradient of the fused `softmax` primitive (last dim; `log` for log-softmax) from its output y:
 * `y (g - Σ g y)`, or `g - exp(y) Σ g`. Fused when not recording; the same formula in tensor ops
 * when recording (y's own history carries the second-order terms).
 */
function softmaxBackward(ctx: DerivativeContext): (Tensor | null)[] {
  const g = ctx.grad;
  const y = ctx.output(0);
  const log = ctx.attrs.log === true;
  if (useFused('softmaxBackward', g.device)) {
    return [dispatch('softmaxBackward', [contiguous(g), y], { size: ctx.attrs.size, log })[0]];
  }
  const last = y.ndim - 1;
  if (log) return [g.sub(y.exp().mul(g.sum(last, { keepdim: true })))];
  return [y.mul(g.sub(g.mul(y).sum(last, { keepdim: true })))];
}

/** Derivatives of the fused normalisation and softmax primitives. */
export const normDerivatives: DerivativeTable = {
  softmax: { saveOutputs: [0], backward: softmaxBackward },
  layerNorm: {
    saveInputs: (needs) => (needs.length > 1 ? [0, 1] : [0]),
    saveOutputs: [1, 2],
    backward: layerNormBackward,
  },
};
