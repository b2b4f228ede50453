import { getBackend, type Tensor, reshape, sum, zeros } from '@kindling/core';
import { isGradEnabled } from '../grad-mode.js';
import type { Derivative, DerivativeContext } from './types.js';

/** Zeros shaped like input `i`, on `like`'s device. */
export function zerosOf(ctx: DerivativeContext, i: number, like: Tensor): Tensor {
  return zeros(ctx.inputShape(i), { dtype: ctx.inputDType(i), device: like.device });
}

/** Sums `g` down to `shape` (undoes broadcasting: leading dims and size-1 dims). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length ? sum(g, dims, { keepdim: true }) : g;
  return lead > 0 || s.ndim !== shape.length ? reshape(s, shape) : s;
}

/** Inserts the reduced dims back (size 1) so a reduced gradient broadcasts against the input. */
export function unsqueezeReduced(g: Tensor, inShape: readonly number[], dims: readonly number[]): Tensor {
  const set = new Set(dims);
  return reshape(
    g,
    inShape.map((s, i) => (set.has(i) ? 1 : s)),
  );
}

/** A formula for a unary op: one saved tensor (input or output), one gradient. */
export function unary(
  from: 'input' | 'output' | 'none',
  f: (g: Tensor, t: Tensor, ctx: DerivativeContext) => Tensor,
): Derivative {
  return {
    saveInputs: from === 'input' ? [0] : undefined,
    saveOutputs: from === 'output' ? [0] : undefined,
    backward: (ctx) => [
      f(ctx.grad, from === 'input' ? ctx.input(0) : from === 'output' ? ctx.output(0) : ctx.grad, ctx),
    ],
  };
}

/** The op's scalar parameters (`attrs.params`). */
export function params(ctx: DerivativeContext): number[] {
  return (ctx.attrs.params as number[] | undefined) ?? [];
}

/**
 * Whether to compute a gradient with one of the fused, non-differentiable backward primitives
 * (`conv2dBackwardInput`, `geluBackward`...): only when not recording (no higher-order graph is
 * needed) and when the device has the kernel (they are optional; see core's `OPTIONAL_KERNELS`).
 */
export function useFused(op: string, device: string): boolean {
  return !isGradEnabled() && getBackend(device).kernels[op] !== undefined;
}
